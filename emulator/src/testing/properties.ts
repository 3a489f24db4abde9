import { existsSync } from "node:fs";
import { resolve } from "node:path";
import fc from "fast-check";
import { createEmulator, type Emulator } from "../emulator.ts";

/** One step of a schedule: a request, or time passing. */
export type Step = { request: true } | { waitMs: number };

export interface RecyclingSchedule {
  config: { maxRequests: number; ttl: number; idleTimeout: number };
  steps: Step[];
}

export interface CheckRecyclingOptions {
  /** Path requested at each step (default `/`). */
  path?: string;
  /**
   * Whether an answer is right (default: `response.ok`). Catches apps that rely on in-memory
   * state. `request` counts the requests of the current schedule from 1 (every schedule starts
   * on fresh workers), so an answer can be checked against what came before in the same run.
   */
  check?: (response: Response, context: { request: number }) => boolean | Promise<boolean>;
  /** Schedules tried (default 50). */
  runs?: number;
  /** fast-check seed, to replay a failure. */
  seed?: number;
  /** Wait in real time instead of the emulator's virtual clock (slow; small schedules only). */
  realTime?: boolean;
}

/** A failed property: `schedule` is the shrunk, minimal counterexample. */
export class PropertyFailure extends Error {
  override readonly name = "PropertyFailure";
  constructor(
    message: string,
    readonly counterexample: unknown,
  ) {
    super(message);
  }
}

/**
 * Checks that an app keeps answering correctly across recycles: for random `maxRequests`,
 * `ttl` and `idleTimeout` and random request/wait schedules, every answer must pass `check`.
 * Runs under virtual time by default, so minutes of ttl take milliseconds. On failure it throws
 * a PropertyFailure carrying (and printing) the minimal failing schedule.
 *
 * @example
 * await checkRecycling("./apps/counter/1.0.0", {
 *   check: async (r, { request }) => r.ok && (await r.json()).visits === request, // fails: state is per worker
 * });
 */
export async function checkRecycling(appDir: string, options: CheckRecyclingOptions = {}): Promise<void> {
  const realTime = options.realTime ?? false;
  const unitMs = realTime ? 50 : 60_000;
  const schedule = fc.record({
    config: fc.record({
      maxRequests: fc.integer({ min: 1, max: 5 }),
      ttl: fc.oneof(
        fc.constant(0),
        fc.integer({ min: 1, max: 5 }).map((n) => (n * unitMs) / 1000),
      ),
      idleTimeout: fc.integer({ min: 1, max: 5 }).map((n) => (n * unitMs) / 1000),
    }),
    steps: fc.array(
      fc.oneof(
        { weight: 3, arbitrary: fc.constant({ request: true as const }) },
        { weight: 1, arbitrary: fc.integer({ min: 1, max: 6 }).map((n) => ({ waitMs: n * unitMs })) },
      ),
      { minLength: 1, maxLength: 12 },
    ),
  });
  const check = options.check ?? ((response: Response) => response.ok);
  await runProperty(appDir, realTime, options, schedule, async (emu, app, run: RecyclingSchedule) => {
    await emu.deploy(app.name, app.version, app.dir, { ...run.config, timeout: (unitMs * 10) / 1000 });
    let request = 0;
    for (const [index, step] of run.steps.entries()) {
      if ("waitMs" in step) {
        await elapse(emu, realTime, step.waitMs);
        continue;
      }
      const response = await emu.fetch(`/${app.name}@${app.version}${options.path ?? "/"}`);
      if (!(await check(response, { request: ++request })))
        throw new Error(`step ${index}: the answer failed the check (status ${response.status})`);
    }
    for (const worker of emu.stats().workers) {
      if (worker.app !== app.name) continue; // earlier runs' workers had other limits
      if (worker.requests > run.config.maxRequests) {
        throw new Error(`a worker served ${worker.requests} requests, over maxRequests ${run.config.maxRequests}`);
      }
    }
  });
}

export interface CheckTimeoutsOptions {
  /** A path the app answers slower than any timeout tried (it may never answer). */
  slowPath: string;
  /** A path the app answers at once (default `/`). */
  path?: string;
  runs?: number;
  seed?: number;
  realTime?: boolean;
}

/**
 * Checks the app's timeouts: for random `timeout` values, a request to `slowPath` is answered
 * 504 APP_TIMEOUT once the timeout passes and not before, and the next request is answered by
 * a fresh worker.
 */
export async function checkTimeouts(appDir: string, options: CheckTimeoutsOptions): Promise<void> {
  const realTime = options.realTime ?? false;
  const timeouts = realTime ? fc.integer({ min: 1, max: 3 }).map((n) => n / 10) : fc.integer({ min: 1, max: 600 });
  await runProperty(appDir, realTime, options, timeouts, async (emu, app, timeout: number) => {
    await emu.deploy(app.name, app.version, app.dir, { timeout });
    const base = `/${app.name}@${app.version}`;
    let settled = false;
    const slow = emu.fetch(`${base}${options.slowPath}`).finally(() => {
      settled = true;
    });
    await elapse(emu, realTime, timeout * 1000 * 0.8);
    if (settled) throw new Error(`answered before its ${timeout}s timeout`);
    await elapse(emu, realTime, timeout * 1000 * 0.3 + (realTime ? 100 : 0));
    const response = await slow;
    const body = (await response.json().catch(() => ({}))) as { error?: { code?: string } };
    if (response.status !== 504 || body.error?.code !== "APP_TIMEOUT") {
      throw new Error(`expected 504 APP_TIMEOUT after ${timeout}s, got ${response.status} ${body.error?.code ?? ""}`);
    }
    const next = await emu.fetch(`${base}${options.path ?? "/"}`);
    await next.body?.cancel();
    if (next.status >= 500) throw new Error(`the request after a timeout failed with ${next.status}`);
  });
}

/** The app as one run sees it: deployed under its own name, so runs share no workers or config. */
interface AppUnderTest {
  name: string;
  version: string;
  dir: string;
}

async function runProperty<T>(
  appDir: string,
  realTime: boolean,
  options: { runs?: number; seed?: number },
  arbitrary: fc.Arbitrary<T>,
  body: (emu: Emulator, app: AppUnderTest, run: T) => Promise<void>,
): Promise<void> {
  const dir = resolve(appDir);
  if (!existsSync(dir)) throw new TypeError(`the app folder ${dir} does not exist`);
  const emu = await createEmulator({ apps: {}, clock: realTime ? "real" : "virtual" });
  let runs = 0;
  try {
    const result = await fc.check(
      fc.asyncProperty(arbitrary, async (run) => {
        // A new name per run, not a new version of one name: Bun 1.4 does not follow a symlink
        // added to a folder it has already resolved through (oven-sh/bun#42776), so a second
        // version would load from the emulator's temp folder and miss the app's packages.
        const app: AppUnderTest = { name: `app-under-test-${++runs}`, version: "1.0.0", dir };
        try {
          await body(emu, app, run);
        } finally {
          await emu.remove(app.name, app.version);
        }
      }),
      { numRuns: options.runs ?? 50, seed: options.seed },
    );
    if (result.failed) {
      const example = result.counterexample?.[0];
      const message = `property failed after ${result.numRuns} runs (seed ${result.seed}); minimal case:\n${JSON.stringify(example, null, 2)}\n${String(result.errorInstance ?? "")}`;
      console.error(message);
      throw new PropertyFailure(message, example);
    }
  } finally {
    await emu.dispose();
  }
}

function elapse(emu: Emulator, realTime: boolean, ms: number): Promise<void> {
  return realTime ? Bun.sleep(ms) : emu.clock.advance(ms);
}
