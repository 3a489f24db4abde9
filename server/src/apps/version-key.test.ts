import { expect, test } from "bun:test";
import { parseVersionKey, splitKey, versionKey } from "./version-key.ts";

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
