/**
 * The dashboard's session over HTTP (no browser): the cookie's attributes, what it unlocks and
 * what it does not, sign-out, a revoked key ending its sessions, the login redirect, the public
 * login page and assets, and `/` sending only browsers to the dashboard.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createKey } from "../../server/src/admin/keys-routes.ts";
import { SESSION_COOKIE } from "../../server/src/admin/sessions.ts";
import { startTestServer, TEST_ADMIN_TOKEN, type TestServer } from "../_setup.ts";

const CSRF = { "x-buntime-csrf": "1" };

describe("dashboard sessions", () => {
  let server: TestServer;
  let deployerKey: string;

  beforeAll(async () => {
    server = await startTestServer();
    deployerKey = (await createKey(server.keys, { name: "ci", role: "deployer" })).key;
  });
  afterAll(() => server.stop());

  /** Signs in with `secret`; returns the Set-Cookie header and the `name=value` to send back. */
  async function signIn(secret: string) {
    const res = await fetch(server.at("/_/dashboard/session"), {
      method: "POST",
      headers: { authorization: `Bearer ${secret}`, ...CSRF },
    });
    expect(res.status).toBe(200);
    const setCookie = res.headers.get("set-cookie") ?? "";
    return { setCookie, cookie: setCookie.split(";")[0] as string, body: await res.json() };
  }

  test("signing in sets an HttpOnly, SameSite=Strict cookie on /_/ holding a random id, not the key", async () => {
    const { setCookie, cookie, body } = await signIn(deployerKey);
    expect(body).toEqual({ name: "ci", role: "deployer" });
    expect(setCookie).toContain("HttpOnly");
    expect(setCookie).toContain("SameSite=Strict");
    expect(setCookie).toContain("Path=/_/");
    expect(setCookie).not.toContain("Secure"); // plain http here; https adds it
    expect(cookie).toMatch(new RegExp(`^${SESSION_COOKIE}=[A-Za-z0-9_-]{43}$`));
    expect(setCookie).not.toContain(deployerKey);
    const again = await signIn(deployerKey);
    expect(again.cookie).not.toBe(cookie);
  });

  test("the cookie reads pages and admin routes; writes need the CSRF header too", async () => {
    const { cookie } = await signIn(deployerKey);
    expect((await fetch(server.at("/_/dashboard"), { headers: { cookie } })).status).toBe(200);
    expect((await fetch(server.at("/_/stats"), { headers: { cookie } })).status).toBe(200);
    const bare = await fetch(server.at("/_/deployments/hello/9.9.9"), { method: "DELETE", headers: { cookie } });
    expect(bare.status).toBe(403);
    expect((await bare.json()).error.code).toBe("FORBIDDEN");
    const withHeader = await fetch(server.at("/_/deployments/hello/9.9.9"), {
      method: "DELETE",
      headers: { cookie, ...CSRF },
    });
    expect(withHeader.status).toBe(404); // through the guard: the version is not there
    // The cookie carries the key's role, no more: a deployer cannot list keys.
    expect((await fetch(server.at("/_/keys"), { headers: { cookie } })).status).toBe(403);
  });

  test("a session cannot open another; a header credential wins over the cookie", async () => {
    const { cookie } = await signIn(deployerKey);
    const reopen = await fetch(server.at("/_/dashboard/session"), { method: "POST", headers: { cookie, ...CSRF } });
    expect(reopen.status).toBe(400);
    const viewer = (await createKey(server.keys, { name: "looker", role: "viewer" })).key;
    const res = await fetch(server.at("/_/deployments/hello/9.9.9"), {
      method: "DELETE",
      headers: { cookie, authorization: `Bearer ${viewer}`, ...CSRF },
    });
    expect(res.status).toBe(403); // the viewer key decided, not the deployer's cookie
  });

  test("sign-out ends the session on the server and clears the cookie", async () => {
    const { cookie } = await signIn(TEST_ADMIN_TOKEN);
    const out = await fetch(server.at("/_/dashboard/session"), { method: "DELETE", headers: { cookie, ...CSRF } });
    expect(out.status).toBe(204);
    expect(out.headers.get("set-cookie")).toContain("Max-Age=0");
    expect((await fetch(server.at("/_/stats"), { headers: { cookie } })).status).toBe(401);
  });

  test("revoking the key ends its sessions at once", async () => {
    const temp = (await createKey(server.keys, { name: "short-lived", role: "viewer" })).key;
    const { cookie } = await signIn(temp);
    expect((await fetch(server.at("/_/stats"), { headers: { cookie } })).status).toBe(200);
    await server.keys.remove("short-lived");
    expect((await fetch(server.at("/_/stats"), { headers: { cookie } })).status).toBe(401);
  });

  test("without a session a page sends the browser to the login page; a forged id is no session", async () => {
    for (const cookie of [undefined, `${SESSION_COOKIE}=${"A".repeat(43)}`, `${SESSION_COOKIE}=<script>`]) {
      const res = await fetch(server.at("/_/dashboard/apps/hello"), {
        redirect: "manual",
        headers: cookie ? { cookie } : {},
      });
      expect({ cookie, status: res.status, location: res.headers.get("location") }).toEqual({
        cookie,
        status: 303,
        location: "/_/dashboard/login",
      });
    }
    // JSON clients keep getting JSON.
    expect(
      (await fetch(server.at("/_/stats"), { headers: { cookie: `${SESSION_COOKIE}=${"A".repeat(43)}` } })).status,
    ).toBe(401);
  });

  test("the login page and the assets are public; a wrong key is refused with the server's message", async () => {
    for (const path of [
      "/_/dashboard/login",
      "/_/dashboard/assets/client.js",
      "/_/dashboard/assets/uplot.js",
      "/_/dashboard/assets/uplot.css",
      "/_/dashboard/assets/dashboard.css",
    ]) {
      const res = await fetch(server.at(path));
      expect({ path, status: res.status }).toEqual({ path, status: 200 });
    }
    expect((await fetch(server.at("/_/dashboard/assets/..%2F..%2Fpackage.json"))).status).not.toBe(200);
    expect((await fetch(server.at("/_/dashboard/assets/nope.js"))).status).toBe(404);
    const wrong = await fetch(server.at("/_/dashboard/session"), {
      method: "POST",
      headers: { authorization: "Bearer btk_not-a-real-key", ...CSRF },
    });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get("set-cookie")).toBeNull();
  });

  test("a credential in the query string is never taken: ?token= and ?key= without a header are 401", async () => {
    const secrets = { token: TEST_ADMIN_TOKEN, key: deployerKey };
    for (const [name, secret] of Object.entries(secrets)) {
      for (const param of [name, "access_token", "api_key"]) {
        for (const path of ["/_/stats", "/_/sse", "/_/logs?app=hello"]) {
          const url = new URL(server.at(path));
          url.searchParams.set(param, secret);
          const res = await fetch(url, { redirect: "manual" });
          const code = res.headers.get("content-type")?.includes("json") ? (await res.json()).error?.code : undefined;
          expect({ path, param, status: res.status, code }).toEqual({
            path,
            param,
            status: 401,
            code: "UNAUTHENTICATED",
          });
          expect(res.headers.get("set-cookie")).toBeNull();
        }
      }
    }
    // The same secrets in a header are taken: the 401s above are the query's, not the secrets'.
    expect(
      (await fetch(server.at("/_/stats"), { headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` } })).status,
    ).toBe(200);
    expect((await fetch(server.at("/_/stats"), { headers: { "x-api-key": deployerKey } })).status).toBe(200);
  });

  test("/ sends a browser (Accept text/html) to the dashboard; other clients get the JSON error", async () => {
    const browser = await fetch(server.at("/"), { redirect: "manual", headers: { accept: "text/html" } });
    expect(browser.status).toBe(302);
    expect(browser.headers.get("location")).toBe("/_/dashboard");
    const api = await fetch(server.at("/"), { redirect: "manual" });
    expect(api.status).toBe(404);
    expect((await api.json()).error.code).toBe("APP_NOT_FOUND");
  });
});
