/**
 * Property tests of the pool against a real server: random configs (maxRequests, ttl,
 * concurrency, maxWorkers, maxQueue, timeout) and random request schedules. Each run writes a
 * fresh app version, starts a server, plays the schedule, stops the server and checks the
 * answers. `SOAK=1` runs many more cases.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import fc from "fast-check";
import { type Answer, call, percentile, recordEvents, writeAppCode } from "./_pool-helpers.ts";
import { startTestServer, tempAppsDir } from "./_setup.ts";

const SOAK = process.env.SOAK === "1";
const RUNS = SOAK ? 300 : 20;
const TIME_LIMIT_MS = SOAK ? 5 * 60_000 : 18_000;

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

interface Config {
  maxRequests: number;
  ttl: number;
  concurrency: number;
  maxWorkers: number;
  maxQueue: number;
  timeout: number;
}
/** One request of a schedule: sent `at` ms after the first, asking the app to take `ms`. */
type Step = { at: number; ms: number };

const configs: fc.Arbitrary<Config> = fc.record({
  maxRequests: fc.integer({ min: 1, max: 6 }),
  ttl: fc.constantFrom(0, 0, 0.3, 1),
  concurrency: fc.integer({ min: 1, max: 4 }),
  maxWorkers: fc.integer({ min: 1, max: 3 }),
  maxQueue: fc.integer({ min: 0, max: 6 }),
  timeout: fc.constantFrom(0.3, 0.5, 1),
});
const schedules: fc.Arbitrary<Step[]> = fc.array(
  fc.record({
    at: fc.integer({ min: 0, max: 300 }),
    ms: fc.oneof(
      { arbitrary: fc.integer({ min: 0, max: 150 }), weight: 5 },
      { arbitrary: fc.constant(3000), weight: 1 },
    ),
  }),
  { minLength: 1, maxLength: SOAK ? 40 : 14 },
);
const burst = (n: number, ms = 100): Step[] => Array.from({ length: n }, () => ({ at: 0, ms }));
/** Cases every run starts with: a cold burst, a queue of zero, recycling under load, a request queued behind a timeout. */
const EXAMPLES: [Config, Step[]][] = [
  [
    { maxRequests: 100, ttl: 0, concurrency: 1, maxWorkers: 1, maxQueue: 1, timeout: 0.3 },
    [
      { at: 0, ms: 3000 },
      { at: 100, ms: 0 },
    ],
  ],
  [{ maxRequests: 100, ttl: 0, concurrency: 1, maxWorkers: 2, maxQueue: 1, timeout: 1 }, burst(3)],
  [{ maxRequests: 100, ttl: 0, concurrency: 2, maxWorkers: 1, maxQueue: 0, timeout: 1 }, burst(1)],
  [{ maxRequests: 2, ttl: 0, concurrency: 1, maxWorkers: 1, maxQueue: 6, timeout: 1 }, burst(5, 20)],
];

interface Outcome {
  answers: Answer[];
  spawned: number[];
  terminated: number[];
  leftAfterStop: number;
}

let apps: ReturnType<typeof tempAppsDir>;
let runs = 0;
const durations: number[] = [];

beforeAll(() => {
  apps = tempAppsDir();
});

afterAll(() => {
  apps.remove();
  if (SOAK)
    console.log(`properties: ${runs} runs, p50 ${percentile(durations, 50)} ms, max ${Math.max(...durations)} ms`);
});

/** Plays `schedule` against a new version of the probe app with `config` on a new server. */
async function exercise(config: Config, schedule: Step[]): Promise<Outcome> {
  const started = performance.now();
  const version = `1.0.${++runs}`;
  writeAppCode(apps.dir, "probe", PROBE_APP, config, version);
  const server = await startTestServer({ APPS_DIR: apps.dir });
  const events = recordEvents(server.pool.events);
  let answers: Answer[];
  try {
    answers = await Promise.all(
      schedule.map(async ({ at, ms }) => {
        await Bun.sleep(at); // the schedule itself, not a wait for an event
        return call(server.at(`/probe@${version}/?ms=${ms}`));
      }),
    );
  } finally {
    await server.stop();
  }
  durations.push(Math.round(performance.now() - started));
  return {
    answers,
    spawned: events.of("spawn").map((e) => e.workerId),
    terminated: events.of("terminate").map((e) => e.workerId),
    leftAfterStop: server.pool.snapshot().length,
  };
}

const check = (predicate: (config: Config, steps: Step[]) => Promise<void>) =>
  fc.assert(fc.asyncProperty(configs, schedules, predicate), {
    numRuns: RUNS,
    examples: EXAMPLES,
    plugins: [fc.interruptAfterTimeLimit(TIME_LIMIT_MS)],
  });

const TEST_MS = TIME_LIMIT_MS + 15_000;

test(
  "every request gets one answer (200, 503 or 504) within timeout + 1 s; stop() leaves no worker",
  () =>
    check(async (config, schedule) => {
      const { answers, spawned, terminated, leftAfterStop } = await exercise(config, schedule);
      expect(answers).toHaveLength(schedule.length);
      for (const answer of answers) {
        expect([200, 503, 504]).toContain(answer.status);
        expect(answer.code).toBe({ 200: undefined, 503: "APP_OVERLOADED", 504: "APP_TIMEOUT" }[answer.status]);
        expect(answer.ms).toBeLessThanOrEqual(config.timeout * 1000 + 1000);
      }
      expect(leftAfterStop).toBe(0);
      expect(terminated.toSorted()).toEqual(spawned.toSorted());
    }),
  TEST_MS,
);

test(
  "no worker serves more than maxRequests, nor more than concurrency at once",
  () =>
    check(async (config, schedule) => {
      const { answers } = await exercise(config, schedule);
      const served = answers.filter((a) => a.status === 200);
      for (const answer of served) {
        expect(answer.body.served).toBeLessThanOrEqual(config.maxRequests);
        expect(answer.body.concurrent).toBeLessThanOrEqual(config.concurrency);
      }
      for (const [, byWorker] of Map.groupBy(served, (a) => a.body.worker as string)) {
        expect(byWorker.length).toBeLessThanOrEqual(config.maxRequests);
      }
    }),
  TEST_MS,
);

test(
  "503 APP_OVERLOADED comes with Retry-After, and only when more than maxWorkers × concurrency + maxQueue requests are at the server",
  () =>
    check(async (config, schedule) => {
      const { answers } = await exercise(config, schedule);
      const capacity = config.maxWorkers * config.concurrency + config.maxQueue;
      for (const answer of answers.filter((a) => a.status === 503)) {
        expect(Number(answer.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
        // Requests that may have been at the server when this one arrived: their trips overlap.
        const others = answers.filter((o) => o !== answer && o.sentAt < answer.doneAt && o.doneAt > answer.sentAt);
        expect(others.length).toBeGreaterThanOrEqual(capacity);
      }
    }),
  TEST_MS,
);
