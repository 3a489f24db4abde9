import { describe, expect, test } from "bun:test";
import { PoolEmitter } from "../pool/events.ts";
import type { LogLine } from "../protocol/log-message.ts";
import { type AppLogLine, CHARS_KEPT, LINES_KEPT, LogHub, matches, Ring } from "./hub.ts";

const line = (message: string, over: Partial<AppLogLine> = {}): AppLogLine => ({
  app: "a",
  version: "1.0.0",
  worker: 1,
  level: "info",
  time: new Date(0).toISOString(),
  message,
  ...over,
});

describe("Ring", () => {
  test("LINES_KEPT is the contract's number: the last 1,000 lines per app", () => {
    expect(LINES_KEPT).toBe(1000);
  });

  test("keeps the last LINES_KEPT lines, oldest first", () => {
    const ring = new Ring();
    for (let i = 0; i < LINES_KEPT + 10; i++) ring.push(line(String(i)));
    const kept = [...ring].map((l) => l.message);
    expect(kept).toHaveLength(LINES_KEPT);
    expect(kept[0]).toBe("10");
    expect(kept.at(-1)).toBe(String(LINES_KEPT + 9));
  });

  test("long lines: fewer are kept, never more than CHARS_KEPT characters", () => {
    const ring = new Ring();
    const long = "x".repeat(8 * 1024);
    for (let i = 0; i < 500; i++) ring.push(line(`${i} ${long}`));
    const kept = [...ring];
    const chars = kept.reduce((n, l) => n + l.message.length, 0);
    expect(chars).toBeLessThanOrEqual(CHARS_KEPT);
    expect(kept.length).toBe(Math.floor(CHARS_KEPT / (long.length + 4)));
    expect(kept.at(-1)?.message.startsWith("499 ")).toBe(true);
  });
});

describe("LogHub", () => {
  function hub(exists: Set<string>) {
    const events = new PoolEmitter();
    const logs = new LogHub(events, (app) => exists.has(app));
    const post = (key: `${string}@${string}`, lines: LogLine[], dropped = 0) =>
      events.emit("log", { key, workerId: 7, lines, dropped });
    return { logs, post };
  }
  const raw = (message: string, level: LogLine["level"] = "info"): LogLine => ({ level, time: 1000, message });

  test("lines of apps that exist are kept with app, version, worker and ISO time; others are not", () => {
    const { logs, post } = hub(new Set(["a"]));
    post("a@1.0.0", [{ ...raw("hi"), requestId: "r1" }]);
    post("ghost@1.0.0", [raw("boo")], 5);
    expect(logs.lines({ app: "a" })).toEqual([
      {
        app: "a",
        version: "1.0.0",
        worker: 7,
        level: "info",
        time: "1970-01-01T00:00:01.000Z",
        requestId: "r1",
        message: "hi",
      },
    ]);
    expect(logs.lines({ app: "ghost" })).toEqual([]);
    expect(logs.toJSON()).toEqual({ lines: 1, dropped: {} });
  });

  test("a gone app's ring and counts go when another app's ring is made", () => {
    const exists = new Set(["a", "b"]);
    const { logs, post } = hub(exists);
    post("a@1.0.0", [raw("x")], 3);
    exists.delete("a");
    post("b@1.0.0", [raw("y")]);
    expect(logs.lines({ app: "a" })).toEqual([]);
    expect(logs.toJSON().dropped).toEqual({});
  });

  test("followers get new lines of their app only; unfollow stops them", () => {
    const { logs, post } = hub(new Set(["a", "b"]));
    const got: string[] = [];
    const stop = logs.follow("a", (l) => got.push(l.message));
    post("a@1.0.0", [raw("1")]);
    post("b@1.0.0", [raw("other")]);
    stop();
    post("a@1.0.0", [raw("2")]);
    expect(got).toEqual(["1"]);
  });

  test("followAll gets every app's new lines until stopped", () => {
    const { logs, post } = hub(new Set(["a", "b"]));
    const got: string[] = [];
    const stop = logs.followAll((l) => got.push(`${l.app}:${l.message}`));
    post("a@1.0.0", [raw("1")]);
    post("b@1.0.0", [raw("2")]);
    stop();
    post("a@1.0.0", [raw("3")]);
    expect(got).toEqual(["a:1", "b:2"]);
  });

  test("filters: version, and level and above", () => {
    const l = line("m", { level: "warn", version: "2.0.0" });
    expect(matches(l, { app: "a" })).toBe(true);
    expect(matches(l, { app: "b" })).toBe(false);
    expect(matches(l, { app: "a", version: "1.0.0" })).toBe(false);
    expect(matches(l, { app: "a", level: "warn" })).toBe(true);
    expect(matches(l, { app: "a", level: "info" })).toBe(true);
    expect(matches(l, { app: "a", level: "error" })).toBe(false);
  });
});
