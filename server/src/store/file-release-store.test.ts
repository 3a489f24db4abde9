import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileReleaseStore, RELEASE_FILE } from "./file-release-store.ts";
import { StoreError } from "./keys.ts";
import { applyChange, EMPTY_RELEASE, HISTORY_KEPT, isTagName } from "./releases.ts";

const root = mkdtempSync(join(tmpdir(), "buntime-releases-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const freshDir = () => join(root, `d${n++}`);

describe("tag names", () => {
  test("a tag is a lowercase word that is never a semver range", () => {
    for (const tag of ["latest", "beta", "next", "canary", "a", "rc-2", "lts"]) expect(isTagName(tag)).toBe(true);
    // x and X are `*`, v1 is 1.x; the rest break the pattern.
    for (const tag of ["x", "v1", "v2", "1", "Beta", "-a", "", "a".repeat(33), "a b", "^1"]) {
      expect(isTagName(tag)).toBe(false);
    }
  });
});

describe("applyChange", () => {
  test("records the previous value, newest first, and keeps the last HISTORY_KEPT", () => {
    let release = EMPTY_RELEASE;
    for (let i = 0; i < HISTORY_KEPT + 5; i++) {
      release =
        applyChange(release, { action: "tag", tag: "latest", version: `1.0.${i}` }, "ci", "2026-01-01T00:00:00.000Z") ??
        release;
    }
    expect(release.history).toHaveLength(HISTORY_KEPT);
    expect(release.history[0]?.change).toEqual({
      action: "tag",
      tag: "latest",
      version: `1.0.${HISTORY_KEPT + 4}`,
      previous: `1.0.${HISTORY_KEPT + 3}`,
    });
    expect(release.tags).toEqual({ latest: `1.0.${HISTORY_KEPT + 4}` });
  });

  test("untagging a missing tag or ending no split changes nothing", () => {
    expect(
      applyChange(EMPTY_RELEASE, { action: "untag", tag: "beta" }, "ci", "2026-01-01T00:00:00.000Z"),
    ).toBeUndefined();
    expect(applyChange(EMPTY_RELEASE, { action: "end-traffic" }, "ci", "2026-01-01T00:00:00.000Z")).toBeUndefined();
  });

  test("a tag named like an Object.prototype member (constructor) has no previous value until set", () => {
    const at = "2026-01-01T00:00:00.000Z";
    const tagged = applyChange(EMPTY_RELEASE, { action: "tag", tag: "constructor", version: "1.0.0" }, "ci", at);
    // A history entry the store's schema reads back (previous was Object's constructor function).
    expect(tagged?.history[0]?.change).toEqual({ action: "tag", tag: "constructor", version: "1.0.0", previous: null });
    expect(applyChange(EMPTY_RELEASE, { action: "untag", tag: "constructor" }, "ci", at)).toBeUndefined();
  });

  test("a store holding a tag named constructor reads back", async () => {
    const store = fileReleaseStore(freshDir());
    await store.change("hello", { action: "tag", tag: "constructor", version: "1.0.0" }, "ci");
    expect((await store.list()).get("hello")?.tags).toEqual({ constructor: "1.0.0" });
  });
});

describe("fileReleaseStore", () => {
  test("a missing file holds nothing; a change makes a 0600 file another instance reads", async () => {
    const dir = freshDir();
    const store = fileReleaseStore(dir, () => Date.parse("2026-02-03T04:05:06.000Z"));
    expect((await store.list()).size).toBe(0);
    const next = await store.change("hello", { action: "traffic", traffic: { "1.0.0": 60, "2.0.0": 40 } }, "ci");
    expect(next?.traffic).toEqual({ "1.0.0": 60, "2.0.0": 40 });
    expect(statSync(join(dir, RELEASE_FILE)).mode & 0o777).toBe(0o600);
    const other = fileReleaseStore(dir);
    expect((await other.list()).get("hello")?.history).toEqual([
      {
        at: "2026-02-03T04:05:06.000Z",
        by: "ci",
        change: { action: "traffic", traffic: { "1.0.0": 60, "2.0.0": 40 }, previous: null },
      },
    ]);
  });

  test("subscribers hear of another writer's change on the next read", async () => {
    const dir = freshDir();
    const store = fileReleaseStore(dir);
    let heard = 0;
    store.subscribe(() => heard++);
    await store.list();
    await fileReleaseStore(dir).change("hello", { action: "tag", tag: "beta", version: "1.0.0" }, "cli");
    expect(heard).toBe(0);
    expect((await store.list()).get("hello")?.tags).toEqual({ beta: "1.0.0" });
    expect(heard).toBe(1);
  });

  test("concurrent changes lose nothing", async () => {
    const dir = freshDir();
    const a = fileReleaseStore(dir);
    const b = fileReleaseStore(dir);
    await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        (i % 2 ? a : b).change("hello", { action: "tag", tag: `t${i}`, version: "1.0.0" }, "ci"),
      ),
    );
    expect(Object.keys((await a.list()).get("hello")?.tags ?? {}).sort()).toEqual(
      Array.from({ length: 10 }, (_, i) => `t${i}`).sort(),
    );
  });

  test("a file that is not the format is STORE_CORRUPT, not silently empty", async () => {
    const dir = freshDir();
    const store = fileReleaseStore(dir);
    await store.change("hello", { action: "tag", tag: "beta", version: "1.0.0" }, "ci");
    const path = join(dir, RELEASE_FILE);
    writeFileSync(path, readFileSync(path, "utf8").replace('"beta"', '"x"'));
    const error = await store.list().catch((e) => e);
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).code).toBe("STORE_CORRUPT");
  });
});
