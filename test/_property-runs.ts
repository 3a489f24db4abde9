/**
 * How the property suite plays one request schedule against the pool, on either clock:
 *
 * - virtual (default): one emulator for the file with `clock: "virtual"`; each run deploys its
 *   own version of the probe app with the run's config as overrides, and lifecycle time moves
 *   only when the schedule says so (`emu.clock.advance`).
 * - real (`PROPERTIES_REAL_TIME=1`): a real server per run, the schedule played in wall time.
 *
 * App code keeps real time on both clocks. A request that must outlive its timeout asks for far
 * more real work than a run lasts (`ms` > HELD_WORK_MS), so only the timeout ends it: on the virtual
 * clock it is held in flight while time is advanced past its deadline.
 *
 * @example
 * const runner = await virtualRunner();
 * const outcome = await runner.exercise(config, [{ at: 0, ms: 0, after: false }]);
 * await runner.dispose();
 */
import { createEmulator, type LifecycleEvent } from "buntime-emulator";
import { type Answer, call, recordEvents, writeAppCode } from "./_pool-helpers.ts";
import { startTestServer, tempAppsDir } from "./_setup.ts";

/** whoami with one more figure: how many requests its worker had in flight when this one arrived. */
const PROBE_APP = `
const worker = crypto.randomUUID();
let served = 0;
let inFlight = 0;
export default {
  async fetch(request) {
    served++;
    const concurrent = ++inFlight;
    const ms = Number(new URL(request.url).searchParams.get("ms") ?? 0);
    try {
      if (ms > 0) await Bun.sleep(ms);
    } finally {
      inFlight--;
    }
    return Response.json({ worker, served, concurrent });
  },
};
`;

/** The worker config of one run (seconds, as in `worker.jsonc`). */
export interface Config {
  maxRequests: number;
  ttl: number;
  idleTimeout: number;
  concurrency: number;
  maxWorkers: number;
  maxQueue: number;
  timeout: number;
}

/**
 * One request of a schedule: sent `at` ms of lifecycle time after the run starts, asking the app
 * for `ms` ms of real work; `after`: first wait for the earlier requests' answers, when they can
 * all come without the clock moving (no request is held for its timeout).
 */
export type Step = { at: number; ms: number; after: boolean };

/** Real work beyond this only ends by the request's timeout (real timeouts are at most 1 s). */
const HELD_WORK_MS = 1000;

/** An answer, with the lifecycle time (virtual or real) from sending to the response. */
export interface TimedAnswer extends Answer {
  lifecycleMs: number;
}

export interface Outcome {
  answers: TimedAnswer[];
  spawned: number[];
  terminated: number[];
  /** Workers of the run's version still listed once it has been stopped (real) or removed (virtual). */
  leftAfterStop: number;
}

/** Plays schedules; one per property file. */
export interface Runner {
  exercise(config: Config, steps: Step[]): Promise<Outcome>;
  dispose(): Promise<void>;
}

/** One run's hold on the clock and the server. */
interface Run {
  /** Lifecycle time moves only in `elapseTo`, so app work can be let finish before it does. */
  virtual: boolean;
  /** Lets lifecycle time reach `at` ms after the run's start. */
  elapseTo(at: number): Promise<void>;
  send(ms: number): Promise<TimedAnswer>;
  /** Lets lifecycle time pass every deadline of the requests sent so far. */
  passDeadlines(): Promise<void>;
  stop(): Promise<Omit<Outcome, "answers">>;
}

/** A bug that loses an answer must fail the run, not hang it: a bound in real time, not a wait. */
const ANSWER_LIMIT_MS = 5000;

async function play(run: Run, steps: Step[]): Promise<Outcome> {
  const pending: Promise<TimedAnswer>[] = [];
  let held = 0;
  // With no request held, every earlier one is answered without the clock moving. With one
  // held, those queued behind it wait for the clock, and nothing tells them from the rest.
  const finishEarlier = async () => {
    if (held === 0) await within(Promise.all(pending), "earlier requests");
  };
  let answers: TimedAnswer[];
  let ended: Omit<Outcome, "answers">;
  let now = 0;
  try {
    for (const { at, ms, after } of steps.toSorted((a, b) => a.at - b.at)) {
      // On the virtual clock app work takes no lifecycle time: it ends before the clock moves.
      if (run.virtual && at > now) await finishEarlier();
      now = at;
      await run.elapseTo(at);
      if (after) await finishEarlier();
      const answer = run.send(ms);
      if (ms > HELD_WORK_MS) {
        held++;
        answer.then(
          () => held--,
          () => held--,
        );
      }
      pending.push(answer);
    }
    if (run.virtual) await finishEarlier();
    await run.passDeadlines();
    answers = await within(Promise.all(pending), "requests once all their deadlines have passed");
  } finally {
    // Stopped whatever happened, so that a failing run leaves nothing to the next one.
    ended = await run.stop();
  }
  return { answers, ...ended };
}

function within<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: unanswered after ${ANSWER_LIMIT_MS} ms`)), ANSWER_LIMIT_MS);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/** Virtual time: one emulator, a version of the probe app per run. */
export async function virtualRunner(): Promise<Runner> {
  const apps = tempAppsDir();
  const folder = writeAppCode(apps.dir, "probe", PROBE_APP);
  const emu = await createEmulator({ apps: {}, clock: "virtual" }).catch((error) => {
    apps.remove();
    throw error;
  });
  /** Lifecycle events by version key, until its run has read them. */
  const log = new Map<string, LifecycleEvent[]>();
  void (async () => {
    for await (const event of emu.events) {
      if (!log.has(event.key)) log.set(event.key, []);
      log.get(event.key)?.push(event);
    }
  })();
  let runs = 0;

  return {
    async exercise(config, steps) {
      const version = `1.0.${++runs}`;
      const key = `probe@${version}`;
      await emu.deploy("probe", version, folder, config);
      const started = emu.clock.now();
      const timeoutMs = config.timeout * 1000;
      return play(
        {
          virtual: true,
          elapseTo: (at) => emu.clock.advance(Math.max(0, started + at - emu.clock.now())),
          async send(ms) {
            const sentAt = emu.clock.now();
            let answeredAt = Number.NaN;
            const answer = await call(`/${key}/?ms=${ms}`, undefined, async (path) => {
              const response = await emu.fetch(path);
              answeredAt = emu.clock.now();
              return response;
            });
            return { ...answer, lifecycleMs: answeredAt - sentAt };
          },
          passDeadlines: () => emu.clock.advance(timeoutMs),
          async stop() {
            await emu.remove("probe", version);
            // After a failed run, requests may still be held: their deadlines end them.
            await emu.clock.advance(timeoutMs);
            await emu.waitForIdle();
            const events = log.get(key) ?? [];
            log.delete(key);
            const ids = (type: LifecycleEvent["type"]) => events.filter((e) => e.type === type).map((e) => e.workerId);
            const left = emu.stats().workers.filter((w) => `${w.app}@${w.version}` === key);
            return { spawned: ids("spawn"), terminated: ids("terminate"), leftAfterStop: left.length };
          },
        },
        steps,
      );
    },
    async dispose() {
      try {
        await emu.dispose();
      } finally {
        apps.remove();
      }
    },
  };
}

/** Real time: each run writes a version of the probe app and starts a server of its own. */
export function realRunner(): Runner {
  const apps = tempAppsDir();
  let runs = 0;

  return {
    async exercise(config, steps) {
      const version = `1.0.${++runs}`;
      writeAppCode(apps.dir, "probe", PROBE_APP, config, version);
      const server = await startTestServer({ APPS_DIR: apps.dir });
      const events = recordEvents(server.pool.events);
      const started = performance.now();
      return play(
        {
          virtual: false,
          // The schedule itself, not a wait for an event.
          elapseTo: (at) => Bun.sleep(Math.max(0, started + at - performance.now())),
          async send(ms) {
            const answer = await call(server.at(`/probe@${version}/?ms=${ms}`));
            return { ...answer, lifecycleMs: answer.ms };
          },
          passDeadlines: async () => {},
          async stop() {
            await server.stop();
            const ids = (kind: "spawn" | "terminate") => events.of(kind).map((e) => e.workerId);
            return {
              spawned: ids("spawn"),
              terminated: ids("terminate"),
              leftAfterStop: server.pool.snapshot().length,
            };
          },
        },
        steps,
      );
    },
    async dispose() {
      apps.remove();
    },
  };
}
