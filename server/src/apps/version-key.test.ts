import { expect, test } from "bun:test";
import { keyOf, parseVersionKey, splitKey, versionKey } from "./version-key.ts";

test("versionKey and splitKey are inverses", () => {
  expect(versionKey("hello", "1.2.3-beta.1")).toBe("hello@1.2.3-beta.1");
  expect(splitKey(versionKey("hello", "1.2.3-beta.1"))).toEqual(["hello", "1.2.3-beta.1"]);
});

test.each([
  ["hello@1.0.0", ["hello", "1.0.0"]],
  ["a.b_c-d@2.0.0-rc.1", ["a.b_c-d", "2.0.0-rc.1"]],
  ["hello@v1.0.0", undefined],
  ["hello@1", undefined],
  ["@1.0.0", undefined],
  ["hello", undefined],
  ["Hello@1.0.0", undefined],
  ["hello@1.0.0@2.0.0", undefined],
])("parseVersionKey(%p) is %p", (text, parsed) => {
  expect(parseVersionKey(text)).toEqual(parsed as [string, string] | undefined);
});

test("keyOf: a version object's key, the same string each time it is asked", () => {
  const app = { name: "hello", version: "1.2.3" };
  expect(keyOf(app)).toBe("hello@1.2.3");
  expect(keyOf(app)).toBe(keyOf(app));
  expect(keyOf({ name: "other", version: "0.0.1" })).toBe("other@0.0.1");
});
