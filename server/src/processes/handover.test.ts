import { afterEach, describe, expect, test } from "bun:test";
import type { Subprocess } from "bun";
import { keptEnvironment, readKeptEnvironment } from "./handover.ts";

let child: Subprocess | undefined;
afterEach(() => child?.kill("SIGKILL"));

describe("the environment kept in a child's stdin", () => {
  test("is read back whole through /proc/<pid>/fd/0, once: then it is gone from there", () => {
    const env = { SECRET: `s-${crypto.randomUUID()}`, PORT: "8123", BIG: "x".repeat(100_000) };
    child = Bun.spawn(["sleep", "30"], { stdin: keptEnvironment(env), stdout: "ignore", stderr: "ignore" });
    expect(readKeptEnvironment(child.pid)).toEqual(env);
    expect(readKeptEnvironment(child.pid)).toBeUndefined();
  });

  test("a process that is gone keeps nothing", async () => {
    child = Bun.spawn(["true"], { stdin: keptEnvironment({ A: "1" }) });
    await child.exited;
    expect(readKeptEnvironment(child.pid)).toBeUndefined();
  });

  test("a stdin that is not such a file gives nothing (and is not waited on)", () => {
    child = Bun.spawn(["sleep", "30"], { stdin: "pipe", stdout: "ignore", stderr: "ignore" });
    expect(readKeptEnvironment(child.pid)).toBeUndefined();
  });
});
