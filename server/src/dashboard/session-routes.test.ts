import { describe, expect, test } from "bun:test";
import { memoryKeyStore } from "../../../test/support/key-store.ts";
import { AdminGuard } from "../admin/guard.ts";
import { silentLogger } from "../util/log.ts";
import { sessionRoutes } from "./session-routes.ts";

const keys = memoryKeyStore();

describe("sessionRoutes", () => {
  const guard = new AdminGuard({ adminToken: "tok", keys, authn: () => false, logger: silentLogger });
  const routes = sessionRoutes(guard);
  const signIn = (origin: string) =>
    routes.fetch(new Request(`${origin}/`, { method: "POST", headers: { authorization: "Bearer tok" } }));

  test("over https the cookie is Secure too; over http it cannot be", async () => {
    const secure = (await signIn("https://buntime.example")).headers.get("set-cookie") ?? "";
    expect(secure).toContain("Secure");
    expect(secure).toContain("HttpOnly");
    expect(secure).toContain("SameSite=Strict");
    const plain = (await signIn("http://127.0.0.1:1")).headers.get("set-cookie") ?? "";
    expect(plain).not.toContain("Secure");
  });

  test("behind a TLS-terminating proxy (X-Forwarded-Proto: https) the cookie is Secure too", async () => {
    const request = new Request("http://10.0.0.5:8080/", {
      method: "POST",
      headers: { authorization: "Bearer tok", "x-forwarded-proto": "https" },
    });
    expect((await routes.fetch(request)).headers.get("set-cookie") ?? "").toContain("Secure");
  });

  test("the answer is never cached", async () => {
    expect((await signIn("http://h")).headers.get("cache-control")).toBe("no-store");
  });
});
