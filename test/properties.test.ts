/**
 * Property tests of the pool: random configs (maxRequests, ttl, idleTimeout, concurrency,
 * maxWorkers, maxQueue, timeout) and random request schedules, played against a fresh version
 * of a probe app, then stopped; the answers and lifecycle events are checked.
 *
 * By default lifecycle time is virtual (see `_property-runs.ts`): settings are minutes, time
 * moves only with the schedule, and a run takes milliseconds, so the suite runs many more cases.
 * `PROPERTIES_REAL_TIME=1` plays the same properties in wall time against a real server per run,
 * with settings of a fraction of a second. `SOAK=1` runs many more cases on either clock.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import fc from "fast-check";
import { percentile } from "./_pool-helpers.ts";
import { type Config, type Runner, realRunner, type Step, virtualRunner } from "./_property-runs.ts";

const VIRTUAL = process.env.PROPERTIES_REAL_TIME !== "1";
const SOAK = process.env.SOAK === "1";
const RUNS = VIRTUAL ? (SOAK ? 1000 : 100) : SOAK ? 300 : 20;
/**
 * Real time: past it, a property stops with the runs it has done (a loaded machine runs fewer
 * cases). Virtual time: every case runs (about 50 ms each); past it, the property fails, as a
 * bug that stalls runs would otherwise pass unseen, and shrinking such a failure ends.
 */
const TIME_LIMIT_MS = VIRTUAL ? (SOAK ? 900_000 : 60_000) : SOAK ? 300_000 : 18_000;
/**
 * Lifecycle settings are this many times the real-time ones under virtual time: minutes
 * instead of fractions of a second, so that app work (real time) is nothing beside them.
 */
const U = VIRTUAL ? 100 : 1;
/** Real ms of app work: the most a quick request asks for, and what only a timeout ends. */
const QUICK_MS = VIRTUAL ? 10 : 150;
const LONG_MS = VIRTUAL ? 600_000 : 3000;
/** An answer comes within `timeout` plus this: nothing on the virtual clock, a margin in real time. */
const SLACK_MS = VIRTUAL ? 0 : 1000;

const configs: fc.Arbitrary<Config> = fc.record({
  maxRequests: fc.integer({ min: 1, max: 6 }),
  ttl: fc.constantFrom(0, 0, 0.3 * U, 1 * U),
  // In real time idle workers outlive the run (the default, 60 s); virtual time crosses it.
  idleTimeout: VIRTUAL ? fc.constantFrom(0.4 * U, 1 * U, 60) : fc.constant(60),
  concurrency: fc.integer({ min: 1, max: 4 }),
  maxWorkers: fc.integer({ min: 1, max: 3 }),
  maxQueue: fc.integer({ min: 0, max: 6 }),
  timeout: fc.constantFrom(0.3 * U, 0.5 * U, 1 * U),
});
const schedules: fc.Arbitrary<Step[]> = fc.array(
  fc.record({
    // Virtual: five instants 30 s apart, so that requests come in bursts and the gaps cross
    // timeouts, ttl and idle. Real: any millisecond of the first 300.
    at: VIRTUAL ? fc.integer({ min: 0, max: 4 }).map((k) => k * 30_000) : fc.integer({ min: 0, max: 300 }),
    ms: fc.oneof(
      { arbitrary: fc.integer({ min: 0, max: QUICK_MS }), weight: 5 },
      { arbitrary: fc.constant(LONG_MS), weight: 1 },
    ),
    // Real time spaces requests by `at` alone; virtual time also plays requests one after another.
    after: VIRTUAL ? fc.constantFrom(false, false, false, true) : fc.constant(false),
  }),
  { minLength: 1, maxLength: SOAK ? 40 : 14 },
);

const burst = (n: number, ms = VIRTUAL ? QUICK_MS : 100): Step[] =>
  Array.from({ length: n }, () => ({ at: 0, ms, after: false }));
const config = (c: Omit<Config, "idleTimeout" | "ttl"> & Partial<Config>): Config => ({
  ttl: 0,
  idleTimeout: 60,
  ...c,
});
/**
 * Cases every run starts with: a request queued behind a timeout, a cold burst, a queue of zero,
 * recycling under load; under virtual time also ttl and idle expiring around held and
 * one-after-another requests.
 */
const EXAMPLES: [Config, Step[]][] = [
  [
    config({ maxRequests: 100, concurrency: 1, maxWorkers: 1, maxQueue: 1, timeout: 0.3 * U }),
    [
      { at: 0, ms: LONG_MS, after: false },
      { at: 100 * U, ms: 0, after: false },
    ],
  ],
  [config({ maxRequests: 100, concurrency: 1, maxWorkers: 2, maxQueue: 1, timeout: 1 * U }), burst(3)],
  [config({ maxRequests: 100, concurrency: 2, maxWorkers: 1, maxQueue: 0, timeout: 1 * U }), burst(1)],
  [config({ maxRequests: 2, concurrency: 1, maxWorkers: 1, maxQueue: 6, timeout: 1 * U }), burst(5, 20)],
  ...(VIRTUAL
    ? ([
        [
          config({ maxRequests: 100, ttl: 30, concurrency: 2, maxWorkers: 1, maxQueue: 2, timeout: 100 }),
          [
            { at: 0, ms: LONG_MS, after: false },
            { at: 25_000, ms: 0, after: false },
            { at: 50_000, ms: 0, after: false },
            { at: 50_000, ms: 5, after: true },
          ],
        ],
        [
          config({ maxRequests: 3, idleTimeout: 40, concurrency: 1, maxWorkers: 2, maxQueue: 1, timeout: 30 }),
          [
            { at: 0, ms: 0, after: false },
            { at: 0, ms: 0, after: true },
            { at: 50_000, ms: 0, after: false },
            { at: 75_000, ms: LONG_MS, after: false },
            { at: 75_000, ms: 0, after: false },
            { at: 75_000, ms: 0, after: false },
          ],
        ],
      ] satisfies [Config, Step[]][])
    : []),
];

let runner: Runner;
let runs = 0;
const durations: number[] = [];
/** Answers by status over all runs: the summary shows that each kind of answer is exercised. */
const statuses = new Map<number, number>();

beforeAll(async () => {
  runner = VIRTUAL ? await virtualRunner() : realRunner();
});

afterAll(async () => {
  await runner?.dispose();
  const clock = VIRTUAL ? "virtual" : "real";
  const answers = [...statuses].sort(([a], [b]) => a - b).map(([status, n]) => `${n}× ${status}`);
  console.log(
    `properties (${clock} time): ${runs} runs (answers ${answers.join(", ")}), p50 ${percentile(durations, 50)} ms, max ${Math.max(...durations)} ms`,
  );
});

async function exercise(config: Config, schedule: Step[]) {
  const started = performance.now();
  runs++;
  const outcome = await runner.exercise(config, schedule);
  durations.push(Math.round(performance.now() - started));
  for (const { status } of outcome.answers) statuses.set(status, (statuses.get(status) ?? 0) + 1);
  return outcome;
}

/** A test that plays `predicate` on the EXAMPLES, then on random configs and schedules. */
const property = (name: string, predicate: (config: Config, steps: Step[]) => Promise<void>) =>
  test(
    name,
    () =>
      fc.assert(fc.asyncProperty(configs, schedules, predicate), {
        numRuns: RUNS,
        examples: EXAMPLES,
        plugins: [fc.interruptAfterTimeLimit(TIME_LIMIT_MS)],
        markInterruptAsFailure: VIRTUAL,
      }),
    TIME_LIMIT_MS + 15_000,
  );

property(
  `every request gets one answer (200, 503 or 504) within timeout${VIRTUAL ? "" : " + 1 s"}; stopping leaves no worker`,
  async (config, schedule) => {
    const { answers, spawned, terminated, leftAfterStop } = await exercise(config, schedule);
    expect(answers).toHaveLength(schedule.length);
    for (const answer of answers) {
      expect([200, 503, 504]).toContain(answer.status);
      expect(answer.code).toBe({ 200: undefined, 503: "APP_OVERLOADED", 504: "APP_TIMEOUT" }[answer.status]);
      expect(answer.lifecycleMs).toBeLessThanOrEqual(config.timeout * 1000 + SLACK_MS);
    }
    expect(leftAfterStop).toBe(0);
    expect(terminated.toSorted()).toEqual(spawned.toSorted());
  },
);

property("no worker serves more than maxRequests, nor more than concurrency at once", async (config, schedule) => {
  const { answers } = await exercise(config, schedule);
  const served = answers.filter((a) => a.status === 200);
  for (const answer of served) {
    expect(answer.body.served).toBeLessThanOrEqual(config.maxRequests);
    expect(answer.body.concurrent).toBeLessThanOrEqual(config.concurrency);
  }
  for (const [, byWorker] of Map.groupBy(served, (a) => a.body.worker as string)) {
    expect(byWorker.length).toBeLessThanOrEqual(config.maxRequests);
  }
});

property(
  "503 APP_OVERLOADED comes with Retry-After, and only when more than maxWorkers × concurrency + maxQueue requests are at the server",
  async (config, schedule) => {
    const { answers } = await exercise(config, schedule);
    const capacity = config.maxWorkers * config.concurrency + config.maxQueue;
    for (const answer of answers.filter((a) => a.status === 503)) {
      expect(Number(answer.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
      // Requests that may have been at the server when this one arrived: their trips overlap
      // in real time (the one time both clocks share).
      const others = answers.filter((o) => o !== answer && o.sentAt < answer.doneAt && o.doneAt > answer.sentAt);
      expect(others.length).toBeGreaterThanOrEqual(capacity);
    }
  },
);
