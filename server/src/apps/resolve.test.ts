import { describe, expect, test } from "bun:test";
import { isAppChange, isAppName, isVersionFolder, MAX_RANGE_LENGTH, resolveVersion } from "./resolve.ts";

const versions = ["1.0.0", "1.1.0", "1.2.0", "1.2.5", "2.0.0", "2.1.0-beta.1", "3.0.0-rc.1"];

describe("resolveVersion", () => {
  test.each([
    [undefined, "2.0.0"],
    ["1.2.0", "1.2.0"],
    ["2.1.0-beta.1", "2.1.0-beta.1"],
    ["1", "1.2.5"],
    ["1.1", "1.1.0"],
    ["1.2", "1.2.5"],
    ["^1.2.0", "1.2.5"],
    ["~1.2", "1.2.5"],
    ["~1.1.0", "1.1.0"],
    [">=1.0.0 <1.2.0", "1.1.0"],
    ["2", "2.0.0"],
    ["^2.1.0-beta.0", "2.1.0-beta.1"],
    ["*", "2.0.0"],
  ])("range %p resolves to %p", (range, expected) => {
    expect(resolveVersion(versions, range)).toEqual({ ok: true, version: expected });
  });

  test.each([["4"], ["1.3.0"], ["^5"], ["0.1"], ["3"]])("range %p finds no version", (range) => {
    expect(resolveVersion(versions, range)).toEqual({ ok: false, code: "VERSION_NOT_FOUND" });
  });

  test.each([["latest"], ["abc"], [""], ["1.2.3.4"], ["^^1"], ["../1"]])("%p is not a version or range", (range) => {
    expect(resolveVersion(versions, range)).toEqual({ ok: false, code: "INVALID_VERSION" });
  });

  test("a range longer than MAX_RANGE_LENGTH is refused, even one semver would accept", () => {
    const long = `>=1.0.0 ${"|| 1.2.0 ".repeat(40)}`.trim();
    expect(long.length).toBeGreaterThan(MAX_RANGE_LENGTH);
    expect(resolveVersion(versions, long)).toEqual({ ok: false, code: "INVALID_VERSION" });
    const fits = `>=1.0.0 ${"|| 1.2.0 ".repeat(20)}`.trim();
    expect(fits.length).toBeLessThanOrEqual(MAX_RANGE_LENGTH);
    expect(resolveVersion(versions, fits)).toEqual({ ok: true, version: "2.0.0" });
  });

  test("a prerelease serves only when no stable version exists", () => {
    expect(resolveVersion(["1.0.0-alpha.1", "1.0.0-beta.2"])).toEqual({
      ok: true,
      version: "1.0.0-beta.2",
    });
    expect(resolveVersion(["0.9.0", "1.0.0-beta.2"])).toEqual({ ok: true, version: "0.9.0" });
  });

  test("no versions at all", () => {
    expect(resolveVersion([])).toEqual({ ok: false, code: "VERSION_NOT_FOUND" });
  });
});

describe("names and version folders", () => {
  test.each([
    ["hello", true],
    ["a", true],
    ["my-app.v2_x", true],
    ["0app", true],
    ["Hello", false],
    ["-x", false],
    [".x", false],
    ["_", false],
    ["a".repeat(65), false],
    ["a b", false],
  ])("app name %p is %p", (name, ok) => expect(isAppName(name)).toBe(ok));
  test.each([
    ["1.0.0", true],
    ["1.0.0-beta.1", true],
    ["v1.0.0", false],
    ["1.0", false],
    ["latest", false],
  ])("version folder %p is %p", (version, ok) => expect(isVersionFolder(version)).toBe(ok));
});

test("isAppChange: what bun install writes and dotfiles are no change to the app", () => {
  for (const file of ["index.ts", "src/a.ts", "worker.jsonc", "public/index.html", "bun.lockx"]) {
    expect({ file, change: isAppChange(file) }).toEqual({ file, change: true });
  }
  for (const file of ["node_modules/x/index.js", "bun.lock", "bun.lockb", ".lock-1.tmp", ".git/HEAD", ".env"]) {
    expect({ file, change: isAppChange(file) }).toEqual({ file, change: false });
  }
});
