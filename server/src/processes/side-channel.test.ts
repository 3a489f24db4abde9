import { afterAll, afterEach, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { socketPath } from "./identity.ts";
import { askAll, listenSideChannel, type SideChannel } from "./side-channel.ts";

const dir = mkdtempSync(join(tmpdir(), "side-channel-test-"));
const open: SideChannel[] = [];
afterEach(() => {
  for (const channel of open.splice(0)) channel.close();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("the side channel", () => {
  test("askAll: this process's answer without a round trip, a sibling's over its socket, nothing for one that is down", async () => {
    open.push(listenSideChannel({ index: 1, count: 3, dir }, "t", { "/n": () => ({ from: 1 }) }));
    const answers = await askAll({ index: 0, count: 3, dir }, "t", "/n", () => ({ from: 0 }));
    expect(answers).toEqual([
      { index: 0, value: { from: 0 } },
      { index: 1, value: { from: 1 } },
      { index: 2, value: undefined },
    ]);
  });

  test("an unknown path is no answer, not an error", async () => {
    open.push(listenSideChannel({ index: 1, count: 2, dir }, "t", {}));
    expect(await askAll({ index: 0, count: 2, dir }, "t", "/nothing", () => 0)).toEqual([
      { index: 0, value: 0 },
      { index: 1, value: undefined },
    ]);
  });

  test("a socket left by a crashed predecessor is replaced; close removes the socket", () => {
    writeFileSync(socketPath(dir, 1, "t"), "stale");
    const channel = listenSideChannel({ index: 1, count: 2, dir }, "t", {});
    channel.close();
    channel.close(); // idempotent
    expect(existsSync(socketPath(dir, 1, "t"))).toBe(false);
  });
});
