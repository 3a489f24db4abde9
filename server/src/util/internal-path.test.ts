import { expect, test } from "bun:test";
import { INTERNAL_PREFIX, isInternalPath, pluginRoutePrefix } from "./internal-path.ts";

test.each([
  ["/_", true],
  ["/_/", true],
  ["/_/health", true],
  ["/_/authz/policies", true],
  ["/__", false],
  ["/_health", false],
  ["/hello/_/x", false],
  ["/", false],
])("isInternalPath(%p) is %p", (path, internal) => {
  expect(isInternalPath(path)).toBe(internal);
});

test("a plugin's routes mount under the prefix, without the npm scope", () => {
  expect(pluginRoutePrefix("@buntime/authz")).toBe(`${INTERNAL_PREFIX}/authz`);
  expect(pluginRoutePrefix("audit")).toBe("/_/audit");
});
