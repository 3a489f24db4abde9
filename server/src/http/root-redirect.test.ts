import { describe, expect, test } from "bun:test";
import { rootRedirect } from "./root-redirect.ts";

const at = (path: string, init: RequestInit = {}) => new Request(`http://h${path}`, init);
const html = { accept: "text/html,application/xhtml+xml,*/*;q=0.8" };

describe("rootRedirect", () => {
  test("a browser's GET or HEAD of / goes to the dashboard", () => {
    for (const method of ["GET", "HEAD"]) {
      const res = rootRedirect(at("/", { method, headers: html }), "/");
      expect(res?.status).toBe(302);
      expect(res?.headers.get("location")).toBe("/_/dashboard");
    }
  });
  test("anything else is left to routing: not HTML, another path, a write", () => {
    expect(rootRedirect(at("/"), "/")).toBeUndefined();
    expect(rootRedirect(at("/", { headers: { accept: "application/json" } }), "/")).toBeUndefined();
    expect(rootRedirect(at("/hello/", { headers: html }), "/hello/")).toBeUndefined();
    expect(rootRedirect(at("/", { method: "POST", headers: html }), "/")).toBeUndefined();
  });
});
