import { expect, test } from "bun:test";
import { parseTarget } from "./target.ts";

test.each([
  ["/hello", "", { name: "hello", range: undefined, prefix: "/hello", path: "/" }],
  ["/hello/", "", { name: "hello", range: undefined, prefix: "/hello", path: "/" }],
  ["/hello@1/a/b", "?x=1", { name: "hello", range: "1", prefix: "/hello@1", path: "/a/b?x=1" }],
  ["/hello@%5E1.2.0/", "", { name: "hello", range: "^1.2.0", prefix: "/hello@%5E1.2.0", path: "/" }],
  ["/hello@~1.2", "", { name: "hello", range: "~1.2", prefix: "/hello@~1.2", path: "/" }],
  ["/hello@", "", { name: "hello", range: "", prefix: "/hello@", path: "/" }],
])("%s%s", (pathname, search, expected) => {
  expect(parseTarget(pathname, search)).toEqual(expected);
});

test("an impossible app name is APP_NOT_FOUND", () => {
  expect(() => parseTarget("/Hello/", "")).toThrow(expect.objectContaining({ code: "APP_NOT_FOUND" }));
  expect(() => parseTarget("/", "")).toThrow(expect.objectContaining({ code: "APP_NOT_FOUND" }));
});

test("a broken percent-encoding in the range is INVALID_VERSION", () => {
  expect(() => parseTarget("/hello@%E0%A4%A/", "")).toThrow(expect.objectContaining({ code: "INVALID_VERSION" }));
});
