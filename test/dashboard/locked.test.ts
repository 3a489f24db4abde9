/**
 * The locked default (no admin credential configured, docs/admin.md): admin reads are open, so
 * the dashboard shows read-only and says why; sign-in and writes are refused with ADMIN_LOCKED.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startTestServer, type TestServer } from "../_setup.ts";

describe("dashboard with nothing configured", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ BUNTIME_ADMIN_TOKEN: "" });
  });
  afterAll(() => server.stop());

  test("pages are read-only and say how to unlock writes", async () => {
    for (const path of ["/_/dashboard", "/_/dashboard/apps/hello"]) {
      const res = await fetch(server.at(path));
      expect({ path, status: res.status }).toEqual({ path, status: 200 });
      const html = await res.text();
      expect(html).toContain("no admin credential is configured");
      expect(html).toContain('data-can-write="0"');
      expect(html).not.toContain('id="deploy-form"');
      expect(html).not.toContain("delete-version");
    }
  });

  test("sign-in and writes are ADMIN_LOCKED, with or without the CSRF header", async () => {
    const signIn = await fetch(server.at("/_/dashboard/session"), {
      method: "POST",
      headers: { authorization: "Bearer anything", "x-buntime-csrf": "1" },
    });
    expect(signIn.status).toBe(403);
    expect((await signIn.json()).error.code).toBe("ADMIN_LOCKED");
    const write = await fetch(server.at("/_/deployments/hello/1.0.0"), {
      method: "DELETE",
      headers: { "x-buntime-csrf": "1" },
    });
    expect((await write.json()).error.code).toBe("ADMIN_LOCKED");
  });
});
