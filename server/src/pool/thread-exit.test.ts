import { expect, test } from "bun:test";
import { versionKey } from "../apps/version-key.ts";
import { silentLogger } from "../util/log.ts";
import { newPoolCounters } from "./counters.ts";
import { ThreadExit } from "./thread-exit.ts";
import { DEFAULT_TIMING } from "./timing.ts";
import type { Transport } from "./transport.ts";

/** A ThreadExit with short real-time bounds, and what it did. */
function exit(ended = () => false) {
  const counters = newPoolCounters();
  const abandoned: { requests: number }[] = [];
  const timing = { ...DEFAULT_TIMING, stopGraceMs: 20, closeWaitMs: 20 };
  const threadExit = new ThreadExit({
    key: versionKey("app", "1.0.0"),
    workerId: 1,
    logger: silentLogger,
    timing,
    counters,
    reason: () => "shutdown",
    ended,
    onAbandon: (a) => abandoned.push(a),
  });
  let terminated = 0;
  const worker: Transport = { post: () => {}, terminate: () => void terminated++ };
  return { threadExit, counters, abandoned, worker, terminations: () => terminated };
}

const waitFor = async (check: () => boolean) => {
  for (let i = 0; i < 200 && !check(); i++) await Bun.sleep(5);
};

test("terminates once, however often asked", () => {
  const t = exit();
  t.threadExit.terminate(t.worker);
  t.threadExit.terminate(t.worker);
  expect(t.terminations()).toBe(1);
  t.threadExit.clear();
});

test("a thread not closed within closeWaitMs is abandoned: counted, with the requests it was cut off from", async () => {
  const t = exit();
  t.threadExit.killedInFlight = 3;
  t.threadExit.terminate(t.worker);
  await waitFor(() => t.abandoned.length > 0);
  expect(t.abandoned).toEqual([{ requests: 3 }]);
  expect(t.counters).toMatchObject({ abandoned: 1, leakedThreads: 1 });
  t.threadExit.closedAfterAbandon();
  expect(t.counters).toMatchObject({ abandoned: 1, leakedThreads: 0 });
});

test("a worker that ended first is not abandoned; clear() stops the wait", async () => {
  const ended = exit(() => true);
  ended.threadExit.terminate(ended.worker);
  const cleared = exit();
  cleared.threadExit.terminate(cleared.worker);
  cleared.threadExit.clear();
  await Bun.sleep(60); // three closeWaitMs: a wait not stopped would have fired
  expect([ended.abandoned, cleared.abandoned]).toEqual([[], []]);
  expect(ended.counters.abandoned + cleared.counters.abandoned).toBe(0);
});

test("stop asks for onTerminate and terminates past stopGraceMs", async () => {
  const t = exit();
  let asked = 0;
  t.threadExit.stop(
    () => asked++,
    () => t.threadExit.terminate(t.worker),
  );
  expect(asked).toBe(1);
  await waitFor(() => t.terminations() > 0);
  expect(t.terminations()).toBe(1);
  t.threadExit.clear();
});
