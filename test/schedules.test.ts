/**
 * Scheduled handlers (docs: scheduled handlers) in the emulator under virtual time: runs fire on
 * clock.advance through real workers, with their outcomes in /_/stats; by hand with
 * emu.scheduled; a bad cron is refused when the config loads, naming the field.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { createEmulator, type Emulator } from "buntime-emulator";
import { normaliseConfig } from "../server/src/config/buntime-config.ts";
import { createLogger } from "../server/src/util/log.ts";
import { whenInFlight, writeAppCode } from "./_pool-helpers.ts";
import { eventually, FIXTURE_APPS, ROOT, startTestServer, stopThenRemove, tempAppsDir } from "./_setup.ts";

const CRON = resolve(FIXTURE_APPS, "cron/1.0.0");

interface ScheduleStats {
  app: string;
  version: string;
  cron: string;
  counts: Record<"ok" | "error" | "timeout" | "skipped", number>;
  lastRun: { outcome: string; error?: string } | null;
}

describe("schedules under the emulator's virtual clock", () => {
  let emu: Emulator;
  const schedule = (cron: string) =>
    (emu.stats() as unknown as { schedules: ScheduleStats[] }).schedules.find((s) => s.cron === cron);

  beforeAll(async () => {
    emu = await createEmulator({ apps: { "cron@1.0.0": CRON }, clock: "virtual" });
  });
  afterAll(() => emu.dispose());

  test("nothing runs until the clock moves; ten minutes run the every-minute schedule ten times, the five-minute one twice (error)", async () => {
    expect(schedule("* * * * *")?.counts).toEqual({ ok: 0, error: 0, timeout: 0, skipped: 0 });
    // From wherever the clock is, the next minute boundary is at most 60 s away.
    await emu.clock.advance(10 * 60_000);
    expect(schedule("* * * * *")?.counts).toEqual({ ok: 10, error: 0, timeout: 0, skipped: 0 });
    expect(schedule("*/5 * * * *")?.counts).toEqual({ ok: 0, error: 2, timeout: 0, skipped: 0 });
    expect(schedule("*/5 * * * *")?.lastRun?.error).toContain("five-minute job failed");
    // A worker ran them (started for the first run: none was alive).
    const runs = (await (await emu.fetch("/cron/")).json()) as { cron: string }[];
    expect(runs.filter((r) => r.cron === "* * * * *").length).toBe(10);
  }, 30_000);

  test("by hand: emu.scheduled returns the outcome", async () => {
    expect(await emu.scheduled("cron", "* * * * *")).toBe("ok");
    expect(await emu.scheduled("cron", "*/5 * * * *")).toBe("error");
    await expect(emu.scheduled("cron", "1 2 3 4 5")).rejects.toThrow('cron has no schedule "1 2 3 4 5"');
  });

  test("a run that outlasts the next due time: the late one is skipped; the app's timeout ends it (timeout)", async () => {
    await emu.deploy("cron", "1.0.0", CRON, { timeout: 15, schedules: [{ cron: "*/10 * * * * *" }] });
    expect(schedule("* * * * *")).toBeUndefined(); // the new config's schedules replace the old
    await emu.clock.advance(40_000);
    // Due every 10 s (four times), each run hangs until its 15 s timeout: run, skip, run, skip.
    const counts = schedule("*/10 * * * * *")?.counts;
    expect(counts?.ok).toBe(0);
    expect(counts?.timeout).toBeGreaterThanOrEqual(1);
    expect(counts?.skipped).toBe(2);
    expect(schedule("*/10 * * * * *")?.lastRun?.outcome).toMatch(/^(timeout|skipped)$/);
  }, 30_000);
});

describe("schedules follow latest under the emulator's virtual clock", () => {
  let emu: Emulator;
  const schedules = () =>
    (emu.stats() as unknown as { schedules: ScheduleStats[] }).schedules.map((s) => `${s.version} ${s.cron}`);

  beforeAll(async () => {
    emu = await createEmulator({ apps: { "cron@1.0.0": CRON }, clock: "virtual" });
    await emu.deploy("cron", "2.0.0", CRON, { schedules: [{ cron: "0 0 1 1 *" }] });
  });
  afterAll(() => emu.dispose());

  test("latest moved to an older version: its schedules at once (no real time passes), and back with untag", async () => {
    expect(schedules()).toEqual(["2.0.0 0 0 1 1 *"]);
    await emu.tag("cron", "latest", "1.0.0");
    expect(schedules().sort()).toEqual(["1.0.0 * * * * *", "1.0.0 */5 * * * *"]);
    await emu.clock.advance(5 * 60_000);
    const counts = (emu.stats() as unknown as { schedules: ScheduleStats[] }).schedules.find(
      (s) => s.cron === "* * * * *",
    )?.counts;
    expect(counts?.ok).toBe(5);
    await emu.untag("cron", "latest");
    expect(schedules()).toEqual(["2.0.0 0 0 1 1 *"]);
  }, 30_000);
});

describe("a real server", () => {
  test("runs by hand land in /_/stats, the log and the metrics' counter by outcome", async () => {
    const lines: string[] = [];
    const server = await startTestServer(
      {},
      {
        config: normaliseConfig({ plugins: ["@buntime/metrics"] }, ROOT),
        logger: createLogger("info", { write: (line: string) => lines.push(line) }),
      },
    );
    try {
      expect(await server.schedules.runNow("cron", "* * * * *")).toBe("ok");
      expect(await server.schedules.runNow("cron", "*/5 * * * *")).toBe("error");
      const stats = (await (await server.admin("/_/stats")).json()) as { schedules: ScheduleStats[] };
      expect(stats.schedules.find((s) => s.app === "cron" && s.cron === "* * * * *")?.counts.ok).toBe(1);
      const prometheus = await (await server.admin("/_/metrics/prometheus")).text();
      expect(prometheus).toContain('buntime_schedule_runs_total{app="cron",cron="* * * * *",outcome="ok"} 1');
      expect(prometheus).toContain('buntime_schedule_runs_total{app="cron",cron="*/5 * * * *",outcome="error"} 1');
      const logged = lines.map((l) => JSON.parse(l)).filter((l) => l.msg === "schedule run");
      expect(logged.map((l) => [l.cron, l.outcome])).toEqual([
        ["* * * * *", "ok"],
        ["*/5 * * * *", "error"],
      ]);
    } finally {
      await server.stop();
    }
  });
});

describe("a real server: timeout and skipped", () => {
  test("a run past the app's timeout and one due while it goes land in /_/stats, the log and the metrics as timeout and skipped", async () => {
    // A handler that never ends, bounded by a 1 s timeout; its cron is daily, twelve hours from
    // now (UTC), so it never comes due while the test runs: every run here is one made by hand.
    const apps = tempAppsDir();
    const cron = `0 ${(new Date().getUTCHours() + 12) % 24} * * *`;
    writeAppCode(
      apps.dir,
      "hangs",
      "export default { fetch: () => new Response('ok'), scheduled: () => new Promise(() => {}) };\n",
      { timeout: 1, schedules: [{ cron, timezone: "UTC" }] },
    );
    const lines: string[] = [];
    const server = await startTestServer(
      { APPS_DIR: apps.dir },
      {
        config: normaliseConfig({ plugins: ["@buntime/metrics"] }, ROOT),
        logger: createLogger("info", { write: (line: string) => lines.push(line) }),
      },
    );
    try {
      const first = server.schedules.runNow("hangs", cron);
      await whenInFlight(server.pool, "hangs");
      expect(await server.schedules.runNow("hangs", cron)).toBe("skipped");
      expect(await first).toBe("timeout");
      const stats = (await (await server.admin("/_/stats")).json()) as { schedules: ScheduleStats[] };
      expect(stats.schedules.find((s) => s.app === "hangs")?.counts).toEqual({
        ok: 0,
        error: 0,
        timeout: 1,
        skipped: 1,
      });
      const prometheus = await (await server.admin("/_/metrics/prometheus")).text();
      expect(prometheus).toContain(`buntime_schedule_runs_total{app="hangs",cron="${cron}",outcome="timeout"} 1`);
      expect(prometheus).toContain(`buntime_schedule_runs_total{app="hangs",cron="${cron}",outcome="skipped"} 1`);
      const logged = lines.map((l) => JSON.parse(l)).filter((l) => l.msg === "schedule run");
      expect(logged.map((l) => [l.app, l.cron, l.outcome])).toEqual([
        ["hangs", cron, "skipped"],
        ["hangs", cron, "timeout"],
      ]);
    } finally {
      await stopThenRemove(server, apps);
    }
  }, 20_000);
});

describe("a real server: a schedule due far ahead", () => {
  test("a yearly schedule due two months ahead (past a timer's 24.8-day limit) does not fire before its time", async () => {
    // Once a year, on the day sixty days from now (UTC): always more than 2^31 ms ahead. Next to
    // it, an every-second schedule: once it has run twice, real timers have had their chance.
    const apps = tempAppsDir();
    const day = new Date(Date.now() + 60 * 86_400_000);
    const yearly = `0 0 ${day.getUTCDate()} ${day.getUTCMonth() + 1} *`;
    const everySecond = "* * * * * *";
    writeAppCode(apps.dir, "far-ahead", "export default { fetch: () => new Response('ok'), scheduled() {} };\n", {
      schedules: [{ cron: yearly, timezone: "UTC" }, { cron: everySecond }],
    });
    const server = await startTestServer({ APPS_DIR: apps.dir });
    try {
      await server.schedules.idle();
      const counts = (cron: string) => server.schedules.find("far-ahead", cron)?.counts;
      await eventually(() => (counts(everySecond)?.ok ?? 0) >= 2, 5000);
      expect(counts(yearly)).toEqual({ ok: 0, error: 0, timeout: 0, skipped: 0 });
    } finally {
      await stopThenRemove(server, apps);
    }
  }, 20_000);
});

describe("start-up", () => {
  test("the server answers while the schedules are still being read; a slow worker.config.ts's schedule arrives after", async () => {
    const apps = tempAppsDir("hello");
    const slow = join(apps.dir, "slow-config", "1.0.0");
    const go = join(apps.dir, "go");
    mkdirSync(slow, { recursive: true });
    writeFileSync(join(slow, "index.ts"), "export default { fetch: () => new Response('ok'), scheduled() {} };\n");
    // Its config finishes loading only once the test says so.
    writeFileSync(
      join(slow, "worker.config.ts"),
      `import { existsSync } from "node:fs";
while (!existsSync(${JSON.stringify(go)})) await Bun.sleep(5);
export default { schedules: [{ cron: "0 3 * * *" }] };
`,
    );
    const server = await startTestServer({ APPS_DIR: apps.dir });
    try {
      expect((await fetch(server.at("/hello/"))).status).toBe(200);
      expect(server.schedules.list().some((s) => s.app === "slow-config")).toBe(false);
      writeFileSync(go, "");
      await server.schedules.idle();
      expect(server.schedules.list().find((s) => s.app === "slow-config")?.cron).toBe("0 3 * * *");
    } finally {
      await stopThenRemove(server, apps);
    }
  });
});

describe("config load", () => {
  test("a bad cron is refused when the version's config loads, naming the field", async () => {
    const server = await startTestServer();
    try {
      const response = await fetch(server.at("/bad-cron/"));
      const body = (await response.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe("APP_CONFIG_INVALID");
      expect(body.error.message).toContain("schedules.0.cron");
      expect(body.error.message).toContain("bad minute field");
    } finally {
      await server.stop();
    }
  });
});
