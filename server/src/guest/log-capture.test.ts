import { describe, expect, test } from "bun:test";
import { format } from "node:util";
import type { GuestMessage, LogMessage } from "../protocol/protocol.ts";
import type { StdioWrite } from "./captured-process.ts";
import { BURST, captureLogs, formatted, inRequest, MAX_LINE_CHARS, MAX_PENDING_CHARS, RATE } from "./log-capture.ts";

/** A capture over stand-ins: a console, the stdio writer it hands out, and a clock the test moves. */
function setup() {
  const posted: LogMessage[] = [];
  const clock = { t: 0 };
  const fakeConsole = {} as Console;
  let stdio: StdioWrite = () => {
    throw new Error("captureLogs did not hand out its stdio writer");
  };
  captureLogs((m: GuestMessage) => posted.push(m as LogMessage), {
    console: fakeConsole,
    stdio: (write) => {
      stdio = write;
    },
    now: () => clock.t,
  });
  const turn = () => new Promise((resolve) => setTimeout(resolve, 5));
  const all = () => posted.flatMap((m) => m.lines);
  const dropped = () => posted.reduce((n, m) => n + m.dropped, 0);
  return { posted, clock, console: fakeConsole, stdio, turn, all, dropped };
}

describe("captureLogs", () => {
  test("console methods map to levels, formatted as console.log would; one log message per turn", async () => {
    const c = setup();
    c.console.log("a %s %d", "b", 3, { x: [1] });
    c.console.info("i");
    c.console.debug("d");
    c.console.warn("w");
    c.console.error(new Error("boom").message);
    c.console.dir({ y: 1 });
    c.console.trace("t");
    await c.turn();
    expect(c.posted).toHaveLength(1);
    const lines = c.all();
    expect(lines.map((l) => [l.level, l.message.split("\n")[0]])).toEqual([
      ["info", "a b 3 { x: [ 1 ] }"],
      ["info", "i"],
      ["debug", "d"],
      ["warn", "w"],
      ["error", "boom"],
      ["info", "{\n  y: 1,\n}".split("\n")[0]],
      ["debug", "Trace: t"],
    ]);
    expect(lines[0]?.requestId).toBeUndefined();
  });

  test("every console method that prints is captured: table, assert, count, time, group (indenting), dirxml, write", async () => {
    const c = setup();
    const con = c.console as Console & { write(...data: unknown[]): number };
    con.table([{ a: 1 }]);
    con.assert(true, "not printed");
    con.assert(false, "x %d", 5);
    con.count();
    con.count();
    con.count("other");
    con.time("t");
    c.clock.t += 12.5;
    con.timeLog("t", "so far");
    con.timeEnd("t");
    con.timeEnd("t");
    con.group("outer");
    con.log("inside\ntwo lines");
    con.groupCollapsed();
    con.warn("deeper");
    con.groupEnd();
    con.groupEnd();
    con.log("out again");
    con.dirxml("x");
    con.write("raw", 1, new TextEncoder().encode("+bytes"));
    await c.turn();
    expect(c.all().map((l) => [l.level, l.message])).toEqual([
      ["info", Bun.inspect.table([{ a: 1 }]).trimEnd()],
      ["error", "Assertion failed: x 5"],
      ["info", "default: 1"],
      ["info", "default: 2"],
      ["info", "other: 1"],
      ["info", "t: 12.500ms so far"],
      ["info", "t: 12.500ms"],
      ["warn", 'Timer "t" does not exist'],
      ["info", "outer"],
      ["info", "  inside\n  two lines"],
      ["warn", "    deeper"],
      ["info", "out again"],
      ["info", "x"],
      ["info", "raw1+bytes"],
    ]);
  });

  test("strings alone are joined as util.format joins them, without it; anything else is util.format's", () => {
    const cases: unknown[][] = [
      [],
      ["one"],
      ["a", "b", "c"],
      ["50%"],
      ["%s%%", "x"],
      ["no format", "%s", "%d"],
      ["%d items", "3"],
      ["n", 1, -0, 2n, null, undefined],
      [{ x: [1] }, "s"],
      ["%o", { y: 1 }],
    ];
    for (const args of cases) expect(formatted(args)).toBe(format(...args));
  });

  test("stdout and stderr writes are lines (their final newline dropped)", async () => {
    const c = setup();
    c.stdio(1, "out line\n");
    c.stdio(2, new TextEncoder().encode("err bytes\n"));
    c.stdio(1, "two\nlines");
    await c.turn();
    expect(c.all().map((l) => [l.level, l.message])).toEqual([
      ["info", "out line"],
      ["error", "err bytes"],
      ["info", "two\nlines"],
    ]);
  });

  test("lines written while serving a request carry its id and traceparent, across awaits", async () => {
    const c = setup();
    await Promise.all(
      ["r1", "r2"].map((id) =>
        inRequest({ requestId: id, traceparent: `tp-${id}` }, async () => {
          c.console.log(`start ${id}`);
          await Bun.sleep(id === "r1" ? 10 : 1);
          c.console.log(`end ${id}`);
        }),
      ),
    );
    await c.turn();
    for (const line of c.all()) {
      const id = line.message.split(" ")[1];
      expect(line.requestId).toBe(id);
      expect(line.traceparent).toBe(`tp-${id}`);
    }
  });

  test("a line over 8 KiB is cut and marked", async () => {
    const c = setup();
    c.console.log("y".repeat(MAX_LINE_CHARS + 100));
    await c.turn();
    const message = c.all()[0]?.message ?? "";
    expect(message).toHaveLength(MAX_LINE_CHARS + "…[truncated]".length);
    expect(message.endsWith("…[truncated]")).toBe(true);
  });

  test("over the rate, lines are dropped before formatting and counted; the drop is said once lines flow again", async () => {
    const c = setup();
    let formatted = 0;
    const costly = {
      [Symbol.for("nodejs.util.inspect.custom")]: () => {
        formatted++;
        return "costly";
      },
    };
    for (let i = 0; i < BURST + 500; i++) c.console.log(costly);
    await c.turn();
    expect(c.all()).toHaveLength(BURST);
    expect(c.dropped()).toBe(500);
    expect(formatted).toBe(BURST);
    // A second later the bucket holds RATE lines again.
    c.clock.t += 1000;
    c.console.log("again");
    await c.turn();
    const tail = c.all().slice(BURST);
    expect(tail.map((l) => [l.level, l.message])).toEqual([
      ["warn", `[buntime] 500 log lines dropped: over ${RATE} lines/s`],
      ["info", "again"],
    ]);
  });

  test("during a long flood the drop is said at most once a second, not before each line let through", async () => {
    const c = setup();
    for (let second = 0; second < 5; second++) {
      for (let ms = 0; ms < 1000; ms += 100) {
        for (let i = 0; i < 500; i++) c.console.log("flood"); // 5,000 a second: far over the rate
        c.clock.t += 100;
        await c.turn(); // the lines let through go out, as a worker's turns end
      }
    }
    const said = c.all().filter((l) => l.message.startsWith("[buntime]"));
    expect(said.length).toBeGreaterThan(0);
    expect(said.length).toBeLessThanOrEqual(5);
  });

  test("a loop that never yields holds at most BURST lines until the next turn", async () => {
    const c = setup();
    for (let i = 0; i < 10; i++) {
      c.clock.t += 1000; // time passes inside the loop: the rate alone would let lines through
      for (let j = 0; j < 500; j++) c.console.log("spin");
    }
    await c.turn();
    expect(c.all()).toHaveLength(BURST);
    expect(c.dropped()).toBe(5000 - BURST);
  });

  test("long lines fill what may wait before the line count does", async () => {
    const c = setup();
    const long = "z".repeat(MAX_LINE_CHARS);
    for (let i = 0; i < 300; i++) c.console.log(long);
    await c.turn();
    const kept = c.all().length;
    expect(kept).toBe(Math.ceil(MAX_PENDING_CHARS / MAX_LINE_CHARS));
    expect(c.dropped()).toBe(300 - kept);
  });
});
