import { describe, expect, test } from "bun:test";
import { parseTarget, requestUrl } from "./target.ts";

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

/** A request as Bun.serve hands it over: `url` is whatever Bun built from the target and Host. */
function served(url: string, method = "GET"): Request {
  return { url, method } as Request;
}

describe("requestUrl", () => {
  test("an absolute http(s) URL is taken as it is", () => {
    expect(requestUrl(served("http://a.example:81/x?y")).href).toBe("http://a.example:81/x?y");
    expect(requestUrl(served("https://a/x")).pathname).toBe("/x");
  });

  // What Bun builds with no Host (HTTP/1.0) or one it cannot use: a bare path, or a URL that
  // does not parse.
  test.each([
    ["/hello/", "no Host, or a/b, user@x, an empty one"],
    ["http://x:99999/hello/", "x:99999"],
    ["http://[::1/hello/", "[::1"],
    ["http://1.2.3.4.5/hello/", "1.2.3.4.5"],
  ])("%s (Host: %s) is REQUEST_INVALID", (url) => {
    expect(() => requestUrl(served(url))).toThrow(expect.objectContaining({ code: "REQUEST_INVALID" }));
  });

  test("CONNECT's host:port target is REQUEST_INVALID", () => {
    expect(() => requestUrl(served("example.com:443", "CONNECT"))).toThrow(
      expect.objectContaining({ code: "REQUEST_INVALID" }),
    );
  });
});
