/**
 * The scheduler alone, under a virtual clock and a fake runner whose runs take virtual time:
 * fast-check properties over random schedules and simulated weeks (the runs are croner's
 * count, never overlap, late ones are skipped and counted, timeouts reported), a timezone
 * across both DST changes, and the lifecycle of schedules (a version change, a removal).
 */

import { describe, expect, test } from "bun:test";
import { Cron } from "croner";
import fc from "fast-check";
import type { AppVersion } from "../apps/config.ts";
import { VirtualClock } from "../pool/virtual-clock.ts";
import { memoryLeaseStore } from "../store/file-store.ts";
import { silentLogger } from "../util/log.ts";
import { type RunResult, Scheduler } from "./scheduler.ts";

const DAY = 24 * 60 * 60 * 1000;

/** An app version as far as the scheduler reads it. */
function appWith(name: string, version: string, schedules: { cron: string; timezone?: string }[]): AppVersion {
  return { name, version, config: { schedules } } as unknown as AppVersion;
}

/** A clock whose steps wait only for microtasks (the fake runner needs no more). */
function fastClock(): VirtualClock {
  const clock = new VirtualClock();
  clock.settle = async () => {
    for (let i = 0; i < 8; i++) await null;
  };
  return clock;
}

interface Setup {
  start: number;
  /** How long each run takes (virtual ms), by its index in firing order. */
  duration: (index: number) => number;
  timeoutMs: number;
}

/** A scheduler over one app whose runs take `duration` of virtual time, cut at `timeoutMs`. */
function schedulerWith(clock: VirtualClock, apps: () => AppVersion[], setup: Setup) {
  const started: number[] = [];
  let running = 0;
  let maxRunning = 0;
  const scheduler = new Scheduler({
    clock,
    logger: silentLogger,
    wallNow: () => setup.start + clock.now(),
    names: () => apps().map((a) => a.name),
    resolve: (name) => {
      const app = apps().find((a) => a.name === name);
      if (!app) throw new Error(`no ${name}`);
      return app;
    },
    run: (_app, event) => {
      const index = started.push(event.scheduledTime) - 1;
      running++;
      maxRunning = Math.max(maxRunning, running);
      const ms = setup.duration(index);
      return new Promise<RunResult>((resolve) => {
        const timedOut = ms > setup.timeoutMs;
        clock.setTimeout(
          () => {
            running--;
            resolve(timedOut ? { outcome: "timeout", error: "APP_TIMEOUT" } : { outcome: "ok" });
          },
          Math.min(ms, setup.timeoutMs),
        );
      });
    },
  });
  return { scheduler, started, maxRunning: () => maxRunning };
}

/** croner's fire times in (start, end]. */
function cronerTimes(cron: string, timezone: string, start: number, end: number): number[] {
  const pattern = new Cron(cron, { timezone, paused: true, mode: "5-or-6-parts" });
  const times: number[] = [];
  let at = pattern.nextRun(new Date(start));
  while (at && at.getTime() <= end) {
    times.push(at.getTime());
    at = pattern.nextRun(at);
  }
  return times;
}

const field = (choices: string[]) => fc.constantFrom(...choices);
/** Cron expressions of five fields, or six with seconds, from pieces that keep a week's runs bounded. */
const cronArb = fc.oneof(
  fc
    .tuple(
      field(["*", "*/5", "0", "15,45", "*/7", "10-20"]),
      field(["*", "*/3", "2", "9-17", "0,12"]),
      field(["*", "1", "15", "*/10"]),
      field(["*", "3", "*/2"]),
      field(["*", "1-5", "0,6", "3"]),
    )
    .map((parts) => parts.join(" ")),
  fc
    .tuple(field(["0", "*/30", "15"]), field(["*/10", "0", "30"]), field(["*", "*/6", "3"]))
    .map(([s, m, h]) => `${s} ${m} ${h} * * *`),
);

describe("properties over simulated weeks", () => {
  test("runs = croner's count; never two at once; late ones skipped and counted; timeouts reported", async () => {
    await fc.assert(
      fc.asyncProperty(
        cronArb,
        field(["UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata"]),
        fc.integer({ min: Date.UTC(2026, 0, 1), max: Date.UTC(2026, 11, 1) }),
        fc.array(fc.integer({ min: 0, max: 40 * 60 }), { minLength: 1, maxLength: 8 }),
        fc.integer({ min: 1, max: 30 * 60 }),
        async (cron, timezone, start, durationsSeconds, timeoutSeconds) => {
          const clock = fastClock();
          // Half-second offsets: a run never ends exactly when another is due.
          const duration = (i: number) => (durationsSeconds[i % durationsSeconds.length] as number) * 1000 + 500;
          const setup = { start, duration, timeoutMs: timeoutSeconds * 1000 + 250 };
          const app = appWith("job", "1.0.0", [{ cron, timezone }]);
          const { scheduler, started, maxRunning } = schedulerWith(clock, () => [app], setup);
          await scheduler.reconcile();
          const span = cron.split(" ").length === 6 ? DAY : 7 * DAY;
          await clock.advance(span);
          const due = cronerTimes(cron, timezone, start, start + span);
          // Replay: which due times find the previous run still going.
          let busyUntil = Number.NEGATIVE_INFINITY;
          let runs = 0;
          const ranAt: number[] = [];
          const expected = { ok: 0, error: 0, timeout: 0, skipped: 0 };
          for (const at of due) {
            if (at < busyUntil) {
              expected.skipped++;
              continue;
            }
            ranAt.push(at);
            const ms = duration(runs++);
            if (ms > setup.timeoutMs) expected.timeout++;
            else expected.ok++;
            busyUntil = at + Math.min(ms, setup.timeoutMs);
          }
          // The run still going at the end has no outcome yet.
          const going = busyUntil > start + span ? 1 : 0;
          if (going) {
            if (duration(runs - 1) > setup.timeoutMs) expected.timeout--;
            else expected.ok--;
          }
          const counts = scheduler.list()[0]?.counts;
          expect(counts).toEqual(expected);
          // The runs started exactly when due, for every due time not skipped.
          expect(started).toEqual(ranAt);
          expect(maxRunning()).toBeLessThanOrEqual(1);
          scheduler.close();
        },
      ),
      { numRuns: 40 },
    );
  }, 120_000);
});

describe("time zones", () => {
  const daily = async (cron: string, timezone: string, from: string, days: number) => {
    const clock = fastClock();
    const start = Date.parse(from);
    const app = appWith("job", "1.0.0", [{ cron, timezone }]);
    const { scheduler, started } = schedulerWith(clock, () => [app], { start, duration: () => 1, timeoutMs: 1000 });
    await scheduler.reconcile();
    await clock.advance(days * DAY);
    scheduler.close();
    return started.map((at) => new Date(at).toISOString());
  };

  test("03:00 in Europe/Berlin across the last Sunday of March: 02:00Z, then 01:00Z (CET to CEST)", async () => {
    expect(await daily("0 3 * * *", "Europe/Berlin", "2026-03-27T12:00:00Z", 3)).toEqual([
      "2026-03-28T02:00:00.000Z",
      "2026-03-29T01:00:00.000Z",
      "2026-03-30T01:00:00.000Z",
    ]);
  });

  test("and across the last Sunday of October: 01:00Z, then 02:00Z (CEST to CET)", async () => {
    expect(await daily("0 3 * * *", "Europe/Berlin", "2026-10-23T12:00:00Z", 3)).toEqual([
      "2026-10-24T01:00:00.000Z",
      "2026-10-25T02:00:00.000Z",
      "2026-10-26T02:00:00.000Z",
    ]);
  });

  test("02:30, which the March change skips and the October one repeats, runs as croner says, once a day", async () => {
    const march = await daily("30 2 * * *", "Europe/Berlin", "2026-03-27T12:00:00Z", 3);
    expect(march).toEqual(
      cronerTimes(
        "30 2 * * *",
        "Europe/Berlin",
        Date.parse("2026-03-27T12:00:00Z"),
        Date.parse("2026-03-30T12:00:00Z"),
      ).map((at) => new Date(at).toISOString()),
    );
    const october = await daily("30 2 * * *", "Europe/Berlin", "2026-10-23T12:00:00Z", 3);
    expect(new Set(october.map((iso) => iso.slice(0, 10))).size).toBe(october.length);
  });
});

describe("lifecycle", () => {
  test("a version change moves the schedule (same timer, the new version runs); a removal stops it", async () => {
    const clock = fastClock();
    let apps = [appWith("job", "1.0.0", [{ cron: "* * * * *" }])];
    const seen: string[] = [];
    const scheduler = new Scheduler({
      clock,
      logger: silentLogger,
      wallNow: () => Date.UTC(2026, 5, 1) + clock.now(),
      names: () => apps.map((a) => a.name),
      resolve: (name) => apps.find((a) => a.name === name) as AppVersion,
      run: async (app) => {
        seen.push(app.version);
        return { outcome: "ok" };
      },
    });
    await scheduler.reconcile();
    await clock.advance(60_000);
    apps = [appWith("job", "2.0.0", [{ cron: "* * * * *" }])];
    await scheduler.reconcile();
    await clock.advance(60_000);
    expect(seen).toEqual(["1.0.0", "2.0.0"]);
    expect(scheduler.toJSON()[0]).toMatchObject({ version: "2.0.0", counts: { ok: 2 } });
    apps = [appWith("job", "2.0.0", [])];
    await scheduler.reconcile();
    await clock.advance(10 * 60_000);
    expect(seen.length).toBe(2);
    expect(scheduler.toJSON()).toEqual([]);
    expect(clock.pending).toBe(0);
  });

  test("a run's failure is an error with its message; a runner that throws is one too", async () => {
    const clock = fastClock();
    let calls = 0;
    const scheduler = new Scheduler({
      clock,
      logger: silentLogger,
      wallNow: () => Date.UTC(2026, 5, 1) + clock.now(),
      names: () => ["job"],
      resolve: () => appWith("job", "1.0.0", [{ cron: "* * * * *" }]),
      run: async () => {
        calls++;
        if (calls === 1) return { outcome: "error", error: "Error: boom" };
        throw new Error("pool gone");
      },
    });
    await scheduler.reconcile();
    await clock.advance(2 * 60_000);
    const [schedule] = scheduler.toJSON();
    expect(schedule?.counts).toEqual({ ok: 0, error: 2, timeout: 0, skipped: 0 });
    expect(schedule?.lastRun?.error).toContain("pool gone");
    scheduler.close();
  });

  test("by hand: runNow runs it now, skipped while a run is going", async () => {
    const clock = fastClock();
    let release: (() => void) | undefined;
    const scheduler = new Scheduler({
      clock,
      logger: silentLogger,
      names: () => ["job"],
      resolve: () => appWith("job", "1.0.0", [{ cron: "0 0 1 1 *" }]),
      run: () => new Promise<RunResult>((resolve) => (release = () => resolve({ outcome: "ok" }))),
    });
    const first = scheduler.runNow("job", "0 0 1 1 *");
    for (let i = 0; i < 20 && !release; i++) await null;
    expect(await scheduler.runNow("job", "0 0 1 1 *")).toBe("skipped");
    release?.();
    expect(await first).toBe("ok");
    await expect(scheduler.runNow("job", "* * * * *")).rejects.toThrow('job has no schedule "* * * * *"');
    scheduler.close();
  });

  /** Two nodes' schedulers on one clock and one store; `lagMs` makes B's timers fire that much late. */
  function twoNodes(runMs: number, lagMs = 0) {
    const clock = fastClock();
    const store = memoryLeaseStore(() => Date.UTC(2026, 5, 1) + clock.now());
    const runs: { node: string; scheduledTime: number; start: number; end: number }[] = [];
    let going = 0;
    let mostAtOnce = 0;
    const make = (node: string, lag: number) =>
      new Scheduler({
        clock,
        logger: silentLogger,
        wallNow: () => Date.UTC(2026, 5, 1) + clock.now() - lag,
        names: () => ["job"],
        resolve: () => appWith("job", "1.0.0", [{ cron: "* * * * *" }]),
        run: (_app, { scheduledTime }) => {
          const start = clock.now();
          going++;
          mostAtOnce = Math.max(mostAtOnce, going);
          return new Promise<RunResult>((resolve) =>
            clock.setTimeout(() => {
              going--;
              runs.push({ node, scheduledTime, start, end: clock.now() });
              resolve({ outcome: "ok" });
            }, runMs),
          );
        },
        leases: { store, holder: node },
      });
    return { clock, runs, a: make("a", 0), b: make("b", lagMs), mostAtOnce: () => mostAtOnce };
  }

  test("with leases, each due run happens on exactly one node", async () => {
    const { clock, runs, a, b } = twoNodes(1_000);
    await a.reconcile();
    await b.reconcile();
    await clock.advance(5 * 60_000 + 2_000); // the fifth run ends too
    expect(runs).toHaveLength(5);
    expect(new Set(runs.map((r) => r.scheduledTime)).size).toBe(5);
    const ok = (a.list()[0]?.counts.ok ?? 0) + (b.list()[0]?.counts.ok ?? 0);
    expect(ok).toBe(5);
    a.close();
    b.close();
  });

  test("with leases, a node whose timer fires late never runs a due time again", async () => {
    // B's timers fire 40 s late: past half the minute (how long the lease used to hold).
    const { clock, runs, a, b } = twoNodes(1_000, 40_000);
    await a.reconcile();
    // B starts later, so that its first due time is one A runs, and fires for it 40 s late.
    await clock.advance(50_000);
    await b.reconcile();
    await clock.advance(5 * 60_000);
    const times = runs.map((r) => r.scheduledTime);
    expect(times.length).toBeGreaterThanOrEqual(4);
    expect(new Set(times).size).toBe(times.length);
    a.close();
    b.close();
  });

  test("with leases, a run that outlasts the interval is never joined by another node's: the due time is skipped once", async () => {
    // Each run takes 90 s; one is due every minute.
    const { clock, runs, a, b, mostAtOnce } = twoNodes(90_000);
    await a.reconcile();
    await b.reconcile();
    await clock.advance(6 * 60_000 + 31_000); // the run due at the fifth minute ends too
    expect(mostAtOnce()).toBe(1);
    const counts = [a, b].map((s) => s.list()[0]?.counts ?? { ok: 0, skipped: 0 });
    const ok = counts.reduce((sum, c) => sum + c.ok, 0);
    const skipped = counts.reduce((sum, c) => sum + c.skipped, 0);
    expect(ok).toBe(runs.length);
    // Six due times: every other one runs, the ones between are skipped, each counted once.
    expect(ok + skipped).toBe(6);
    expect(skipped).toBe(3);
    a.close();
    b.close();
  });
});
