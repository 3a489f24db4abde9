/**
 * DASHBOARD_HOST (docs/dashboard.md#a-host-of-its-own): the dashboard and its session cookie on
 * one host, apps never there, so no app's script runs on the origin the cookie belongs to. The
 * server is reached at 127.0.0.1 (the apps' host here) and, by its Host header, as admin.test.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startTestServer, TEST_ADMIN_TOKEN, type TestServer } from "../_setup.ts";

const DASHBOARD = "admin.test";
const TOKEN = { authorization: `Bearer ${TEST_ADMIN_TOKEN}` };
const CSRF = { "x-buntime-csrf": "1" };

describe("a dashboard with a host of its own", () => {
  let server: TestServer;
  /** The `name=value` of a session opened on the dashboard's host. */
  let cookie: string;

  /** `fetch` of `path` on this server, as if for `host` (the Host header; default the apps' 127.0.0.1:port). */
  const on = (host: string | undefined, path: string, init: RequestInit = {}) =>
    fetch(server.at(path), {
      redirect: "manual",
      ...init,
      headers: { ...(host && { host }), ...(init.headers as Record<string, string>) },
    });

  beforeAll(async () => {
    server = await startTestServer({ DASHBOARD_HOST: DASHBOARD });
    const signIn = await on(DASHBOARD, "/_/dashboard/session", { method: "POST", headers: { ...TOKEN, ...CSRF } });
    expect(signIn.status).toBe(200);
    cookie = (signIn.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
    expect(cookie).toStartWith("buntime_session=");
  });
  afterAll(() => server.stop());

  test("on its host, the session cookie is a credential: pages, reads and (with the CSRF header) writes", async () => {
    expect((await on(DASHBOARD, "/_/dashboard", { headers: { cookie } })).status).toBe(200);
    expect((await on(DASHBOARD, "/_/stats", { headers: { cookie } })).status).toBe(200);
    const write = await on(DASHBOARD, "/_/deployments/hello/9.9.9", { method: "DELETE", headers: { cookie, ...CSRF } });
    expect((await write.json()).error.code).toBe("VERSION_NOT_FOUND");
  });

  test("on any other host, the same cookie counts for nothing", async () => {
    const read = await on(undefined, "/_/stats", { headers: { cookie } });
    expect(read.status).toBe(401);
    const write = await on("apps.test", "/_/deployments/hello/9.9.9", {
      method: "DELETE",
      headers: { cookie, ...CSRF },
    });
    expect((await write.json()).error.code).toBe("UNAUTHENTICATED");
  });

  test("the /_/ API with a token answers on every host (the CLI, CI)", async () => {
    expect((await on(undefined, "/_/stats", { headers: TOKEN })).status).toBe(200);
    expect((await on("apps.test", "/_/stats", { headers: TOKEN })).status).toBe(200);
  });

  test("a browser without a session is sent to the dashboard's host at once, the page it asked for kept", async () => {
    const page = await on("apps.test", "/_/dashboard/apps/hello");
    expect([page.status, page.headers.get("location")]).toEqual([308, `http://${DASHBOARD}/_/dashboard/apps/hello`]);
    // As the router decodes it: an encoded path is the dashboard too.
    const encoded = await on("apps.test", "/_/%64ashboard/login");
    expect([encoded.status, encoded.headers.get("location")]).toEqual([308, `http://${DASHBOARD}/_/%64ashboard/login`]);
  });

  test("one host however it is spelled: case, a trailing dot, a default port", async () => {
    for (const host of ["ADMIN.test", "admin.test.", "admin.test:443", "admin.test:80"]) {
      const app = await on(host, "/hello/");
      expect({ host, status: app.status }).toEqual({ host, status: 404 });
      expect({ host, status: (await on(host, "/_/stats", { headers: { cookie } })).status }).toEqual({
        host,
        status: 200,
      });
    }
  });

  test("over HTTPS the cookie is __Host- prefixed, and only that name counts (no other host can set it)", async () => {
    const https = { "x-forwarded-proto": "https" };
    const signIn = await on(DASHBOARD, "/_/dashboard/session", {
      method: "POST",
      headers: { ...TOKEN, ...CSRF, ...https },
    });
    const set = signIn.headers.get("set-cookie") ?? "";
    expect(set).toStartWith("__Host-buntime_session=");
    expect(set).toContain("Path=/;");
    expect(set).toContain("Secure");
    const id = set.split(";")[0]?.split("=")[1] ?? "";
    const read = (name: string) => on(DASHBOARD, "/_/stats", { headers: { cookie: `${name}=${id}`, ...https } });
    expect((await read("__Host-buntime_session")).status).toBe(200);
    // A plain-named cookie, as a sibling host could set with Domain=: not read over HTTPS.
    expect((await read("buntime_session")).status).toBe(401);
  });

  test("the dashboard elsewhere: pages are sent to its host, sign-in is refused there", async () => {
    for (const path of ["/_/dashboard", "/_/dashboard/login", "/_/dashboard/apps/hello?x=1"]) {
      const page = await on("apps.test", path, { headers: TOKEN });
      expect({ path, status: page.status, location: page.headers.get("location") }).toEqual({
        path,
        status: 308,
        location: `http://${DASHBOARD}${path}`,
      });
    }
    const behindTls = await on("apps.test", "/_/dashboard/login", { headers: { "x-forwarded-proto": "https" } });
    expect(behindTls.headers.get("location")).toBe(`https://${DASHBOARD}/_/dashboard/login`);
    const signIn = await on("apps.test", "/_/dashboard/session", { method: "POST", headers: { ...TOKEN, ...CSRF } });
    expect(signIn.status).toBe(403);
    expect(signIn.headers.get("set-cookie")).toBeNull();
    expect((await signIn.json()).error.code).toBe("FORBIDDEN");
  });

  test("apps are not served on the dashboard's host, and are everywhere else; / there opens the dashboard", async () => {
    const app = await on(DASHBOARD, "/hello/");
    expect(app.status).toBe(404);
    expect((await app.json()).error).toMatchObject({
      code: "APP_NOT_FOUND",
      message: expect.stringContaining("DASHBOARD_HOST"),
    });
    expect((await on(DASHBOARD, "/hello@1/x", { method: "POST", body: "x" })).status).toBe(404);
    expect((await on(undefined, "/hello/")).status).toBe(200);
    expect((await on("apps.test", "/hello/")).status).toBe(200);
    const root = await on(DASHBOARD, "/", { headers: { accept: "text/html" } });
    expect([root.status, root.headers.get("location")]).toEqual([302, "/_/dashboard"]);
  });
});

test("without DASHBOARD_HOST, one host serves both (the session cookie counts on any host)", async () => {
  const server = await startTestServer({});
  try {
    const signIn = await fetch(server.at("/_/dashboard/session"), { method: "POST", headers: { ...TOKEN, ...CSRF } });
    const cookie = (signIn.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
    const read = await fetch(server.at("/_/stats"), { headers: { cookie, host: "apps.test" } });
    expect(read.status).toBe(200);
    expect((await fetch(server.at("/hello/"), { headers: { host: DASHBOARD } })).status).toBe(200);
  } finally {
    await server.stop();
  }
});
