import { describe, expect, test } from "bun:test";
import { globMatcher, globSource } from "./glob.ts";

describe("globs: * within a segment, ** across", () => {
  const table: [glob: string, path: string, matches: boolean][] = [
    ["/_/stats", "/_/stats", true],
    ["/_/stats", "/_/stats/", false],
    ["/_/*", "/_/stats", true],
    ["/_/*", "/_/deployments/echo/1.0.0", false],
    ["/_/**", "/_/deployments/echo/1.0.0", true],
    ["/_/**", "/_", true],
    ["/_/**", "/_/", true],
    ["/_/**", "/_x", false],
    ["/echo*", "/echo@1", true],
    ["/echo*", "/echo/x", false],
    ["/echo/**", "/echo", true],
    ["/echo/**", "/echoes", false],
    ["/a/**/b", "/a/b", true],
    ["/a/**/b", "/a/x/y/b", true],
    ["/a/**/b", "/a/x/y/c", false],
    ["/a/*/b", "/a/x/b", true],
    ["/a/*/b", "/a/x/y/b", false],
    ["**/health", "/_/health", true],
    ["**", "/anything/at/all", true],
    ["*", "echo", true],
    ["*", "a/b", false],
    ["ech?", "echo", false],
    ["/a.b", "/aXb", false],
    ["/a+(b)", "/a+(b)", true],
    ["/[x]", "/[x]", true],
    ["/*.json", "/policies.json", true],
    ["/*.json", "/policies.jsonc", false],
    // Line breaks are characters like any other (paths are judged percent-decoded).
    ["/echo/admin/**", "/echo/admin/x\n", true],
    ["/echo/admin/**", "/echo/admin/\r/deeper", true],
    ["/echo/**/x", "/echo/a\u2028b/x", true],
    ["**/x", "\u2029/x", true],
    ["/echo/*", "/echo/a\nb", true],
  ];
  for (const [glob, path, expected] of table) {
    test(`${glob} ${expected ? "matches" : "does not match"} ${JSON.stringify(path)}`, () => {
      expect(globMatcher(glob)(path)).toBe(expected);
    });
  }

  test("compiles to a pattern the u flag accepts", () => {
    for (const [glob] of table) expect(() => new RegExp(globSource(glob), "u")).not.toThrow();
  });
});
