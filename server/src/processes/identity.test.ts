import { describe, expect, test } from "bun:test";
import { PROCESS_DIR_VAR, PROCESS_INDEX_VAR, processIdentity, socketPath } from "./identity.ts";

describe("processIdentity", () => {
  const env = (index: string) => ({ [PROCESS_INDEX_VAR]: index, [PROCESS_DIR_VAR]: "/tmp/group" });

  test("a process of a group knows its index, the count and the folder", () => {
    expect(processIdentity(3, env("2"))).toEqual({ index: 2, count: 3, dir: "/tmp/group" });
  });

  test("alone (one process) it has no group, whatever the variables say", () => {
    expect(processIdentity(1, env("0"))).toBeUndefined();
  });

  test.each(["3", "-1", "1.5", "x", ""])("an index %p outside 0..count-1 is no group", (index) => {
    expect(processIdentity(3, env(index))).toBeUndefined();
  });

  test("without the folder (no supervisor said where) there is no group", () => {
    expect(processIdentity(2, { [PROCESS_INDEX_VAR]: "0" })).toBeUndefined();
  });

  test("each index and channel has its own socket in the folder", () => {
    expect(socketPath("/tmp/group", 1, "metrics")).toBe("/tmp/group/1.metrics.sock");
  });
});
