/**
 * The emulator's releases and logs for app authors' tests (docs/emulator-and-sdk.md): tags,
 * `latest` and a traffic split set in-process (validated as the admin routes validate them),
 * and `emu.logs` holding what a request wrote as soon as `emu.fetch` resolves.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createEmulator, type Emulator } from "buntime-emulator";
import { FIXTURE_APPS } from "./_setup.ts";

let emu: Emulator;

beforeAll(async () => {
  emu = await createEmulator({ apps: FIXTURE_APPS, logLevel: "silent" });
});
afterAll(() => emu.dispose());

const version = async (path: string, headers: Record<string, string> = {}) =>
  ((await (await emu.fetch(path, { headers })).json()) as { version: string }).version;

describe("emu releases", () => {
  test("a tag routes /<name>@<tag>/; latest moved back is the rollback; untag restores the default", async () => {
    expect(await version("/hello/")).toBe("2.0.0");
    const state = await emu.tag("hello", "latest", "1.0.0");
    expect(state).toMatchObject({ name: "hello", tags: { latest: "1.0.0" }, traffic: null });
    expect(await version("/hello/")).toBe("1.0.0");
    await emu.tag("hello", "beta", "1.1.0");
    expect(await version("/hello@beta/")).toBe("1.1.0");
    expect((await emu.releases("hello")).tags).toEqual({ latest: "1.0.0", beta: "1.1.0" });
    await emu.untag("hello", "latest");
    await emu.untag("hello", "beta");
    expect(await version("/hello/")).toBe("2.0.0");
  });

  test("a split is sticky per x-buntime-sticky; null ends it; bad input is refused by code", async () => {
    await emu.traffic("hello", { "1.0.0": 50, "2.0.0": 50 });
    const seen = new Set<string>();
    for (let i = 0; i < 16; i++) {
      const first = await version("/hello/", { "x-buntime-sticky": `u${i}` });
      expect(await version("/hello/", { "x-buntime-sticky": `u${i}` })).toBe(first);
      seen.add(first);
    }
    expect([...seen].sort()).toEqual(["1.0.0", "2.0.0"]);
    expect((await emu.traffic("hello", null)).traffic).toBeNull();
    await expect(emu.traffic("hello", { "1.0.0": 60 })).rejects.toMatchObject({ code: "REQUEST_INVALID" });
    await expect(emu.tag("hello", "x", "1.0.0")).rejects.toMatchObject({ code: "REQUEST_INVALID" });
    await expect(emu.tag("nope", "beta", "1.0.0")).rejects.toMatchObject({ code: "APP_NOT_FOUND" });
  });
});

describe("emu.logs", () => {
  test("what a request wrote before its answer is there when emu.fetch resolves, with its request id", async () => {
    const res = await emu.fetch("/logger/?say=emu", { headers: { "x-request-id": "emu-1" } });
    expect(await res.text()).toBe("ok");
    const mine = emu.logs("logger").filter((l) => l.requestId === "emu-1");
    expect(mine.map((l) => l.message)).toEqual([
      "before emu",
      "after emu { n: 1 }",
      "debug emu",
      "error emu",
      "stdout emu",
      "stderr emu",
    ]);
    expect(emu.logs("logger", { level: "error" }).filter((l) => l.requestId === "emu-1")).toHaveLength(2);
  });
});
