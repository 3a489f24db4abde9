import { expect, test } from "bun:test";
import { Liveness } from "./liveness.ts";

const options = (pings: number[], onUnresponsive: () => void) => ({
  ping: (seq: number) => pings.push(seq),
  onUnresponsive,
  heartbeatMs: 60_000,
  heartbeatDeadlineMs: 60_000,
});

test("a probe without a pong declares the worker unresponsive after its deadline", async () => {
  const pings: number[] = [];
  const started = performance.now();
  await new Promise<void>((resolve) => {
    const liveness = new Liveness(options(pings, resolve));
    liveness.probe(30);
  });
  expect(performance.now() - started).toBeGreaterThanOrEqual(25);
  expect(pings).toEqual([1]);
});

test("a pong for the ping in flight cancels the deadline; an unsolicited report (seq 0) does not", async () => {
  const pings: number[] = [];
  let unresponsive = 0;
  const liveness = new Liveness(options(pings, () => unresponsive++));
  liveness.probe(30);
  liveness.pong(0);
  liveness.pong(1);
  // A second probe after the pong sends a new ping, and its deadline is what fires.
  const fired = new Promise<void>((resolve) => {
    const other = new Liveness(options([], resolve));
    other.probe(60);
  });
  await fired;
  expect(unresponsive).toBe(0);
  liveness.stop();
});

test("a shorter probe replaces a longer deadline; the ping is not sent twice", async () => {
  const pings: number[] = [];
  const started = performance.now();
  await new Promise<void>((resolve) => {
    const liveness = new Liveness(options(pings, resolve));
    liveness.probe(10_000);
    liveness.probe(20);
  });
  expect(performance.now() - started).toBeLessThan(5_000);
  expect(pings).toEqual([1]);
});
