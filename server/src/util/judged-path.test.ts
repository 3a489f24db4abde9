import { expect, test } from "bun:test";
import { judgedPath } from "./judged-path.ts";

test.each([
  ["/echo@1/admin/x", "/echo/admin/x"],
  ["/echo@^1.2.0/admin", "/echo/admin"],
  ["/echo@beta", "/echo"],
  ["/echo/admin", "/echo/admin"],
  ["/echo", "/echo"],
  ["/_/keys/a@b", "/_/keys/a@b"],
  ["/", "/"],
])("%s is judged as %s", (path, judged) => {
  expect(judgedPath(path)).toBe(judged);
});
