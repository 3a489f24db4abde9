import { describe, expect, test } from "bun:test";
import { parseCron } from "./schedule.ts";
import { defineWorker } from "./worker-config.ts";

describe("schedules in the worker config", () => {
  test("five fields, or six with seconds first, with an optional IANA timezone", () => {
    expect(defineWorker({ schedules: [{ cron: "*/5 * * * *" }] }).schedules).toEqual([{ cron: "*/5 * * * *" }]);
    expect(defineWorker({ schedules: [{ cron: "*/10 * * * * *", timezone: "Europe/Berlin" }] }).schedules).toEqual([
      { cron: "*/10 * * * * *", timezone: "Europe/Berlin" },
    ]);
    expect(defineWorker({}).schedules).toEqual([]);
  });

  test.each([
    ["61 * * * *", "schedules.0.cron", "bad minute field"],
    ["* 24 * * *", "schedules.0.cron", "bad hour field"],
    ["* * 32 * *", "schedules.0.cron", "bad day of month field"],
    ["* * * 13 *", "schedules.0.cron", "bad month field"],
    ["* * * * 8", "schedules.0.cron", "bad day of week field"],
    ["x * * * *", "schedules.0.cron", "bad minute field"],
    ["70 * * * * *", "schedules.0.cron", "bad second field"],
    ["* * *", "schedules.0.cron", "has 3 field(s): expected 5"],
    ["* * * * * * *", "schedules.0.cron", "has 7 field(s)"],
  ])("%s is refused, naming the field", (cron, path, what) => {
    expect(() => defineWorker({ schedules: [{ cron }] })).toThrow(path);
    expect(() => defineWorker({ schedules: [{ cron }] })).toThrow(what);
  });

  test("an unknown timezone is refused at timezone", () => {
    expect(() => defineWorker({ schedules: [{ cron: "0 3 * * *", timezone: "Mars/Base" }] })).toThrow(
      'schedules.0.timezone: unknown timezone "Mars/Base"',
    );
  });

  test("parseCron reads in UTC by default", () => {
    expect(parseCron("0 3 * * *").nextRun(new Date("2026-06-01T00:00:00Z"))?.toISOString()).toBe(
      "2026-06-01T03:00:00.000Z",
    );
  });
});
