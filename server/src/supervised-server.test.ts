import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { adoptServer, parseProcStat, shellStatus } from "./supervised-server.ts";

/** A stat line as Linux writes it, with `comm`, state, ppid and the wait status (field 52) set. */
function statLine(comm: string, state: string, ppid: number, waitStatus: number): string {
  const fields = Array.from({ length: 52 }, () => "0");
  fields[0] = "4242";
  fields[1] = `(${comm})`;
  fields[2] = state;
  fields[3] = String(ppid);
  fields[51] = String(waitStatus);
  return `${fields.join(" ")}\n`;
}

describe("parseProcStat", () => {
  test("reads state, ppid and the wait status", () => {
    expect(parseProcStat(statLine("bun", "Z", 17, 2 << 8))).toEqual({ state: "Z", ppid: 17, waitStatus: 512 });
  });

  test("a command name with spaces and parentheses does not shift the fields", () => {
    expect(parseProcStat(statLine("a) (b c", "S", 9, 0))).toEqual({ state: "S", ppid: 9, waitStatus: 0 });
  });

  test("reads this process's own line", () => {
    const own = parseProcStat(readFileSync("/proc/self/stat", "utf8"));
    expect(own?.ppid).toBe(process.ppid);
    expect(own?.state).toBe("R");
  });

  test("a line that is not a stat line is undefined", () => {
    expect(parseProcStat("")).toBeUndefined();
    expect(parseProcStat("1 (x) S nope")).toBeUndefined();
  });
});

describe("shellStatus", () => {
  test("an exit code is itself; a signal is 128 + its number", () => {
    expect(shellStatus(0)).toBe(0);
    expect(shellStatus(2 << 8)).toBe(2);
    expect(shellStatus(255 << 8)).toBe(255);
    expect(shellStatus(15)).toBe(143); // SIGTERM
    expect(shellStatus(9)).toBe(137); // SIGKILL
    expect(shellStatus(0x80 | 11)).toBe(139); // SIGSEGV with a core dump
  });
});

describe("adoptServer", () => {
  test("refuses a pid that is not this process's child: it never signals a stranger", () => {
    expect(adoptServer(process.pid)).toBeUndefined();
    expect(adoptServer(process.ppid)).toBeUndefined();
    expect(adoptServer(2 ** 22 + 1)).toBeUndefined(); // over pid_max: no such process
  });
});
