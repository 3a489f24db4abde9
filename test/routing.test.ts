/**
 * docs/routes.md#app-routes (routing) and the runtime's error shape (docs/errors.md), through a
 * real server on 127.0.0.1 serving fixtures/apps.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { SignJWT } from "jose";
import { normaliseConfig } from "../server/src/config/buntime-config.ts";
import { call, whenInFlight, writeApp } from "./_pool-helpers.ts";
import { ROOT, startTestServer, stopThenRemove, type TestServer, tempAppsDir } from "./_setup.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

interface Echoed {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string | null;
}

async function echo(path: string, init?: RequestInit): Promise<{ res: Response; seen: Echoed }> {
  const res = await fetch(server.at(path), init);
  expect(res.status).toBe(200);
  return { res, seen: (await res.json()) as Echoed };
}

/** Asserts the runtime's error shape and returns the message. */
async function expectError(res: Response, status: number, code: string): Promise<string> {
  expect(res.status).toBe(status);
  expect(res.headers.get("content-type")).toStartWith("application/json");
  const body = (await res.json()) as { error: { code: string; message: string } };
  expect(Object.keys(body)).toEqual(["error"]);
  expect(body.error.code).toBe(code);
  expect(typeof body.error.message).toBe("string");
  expect(body.error.message.length).toBeGreaterThan(0);
  return body.error.message;
}

describe("version resolution (hello has 1.0.0, 1.1.0, 2.0.0, 3.0.0-beta.1)", () => {
  test.each([
    ["/hello", "2.0.0", "/"],
    ["/hello/", "2.0.0", "/"],
    ["/hello@1.0.0/", "1.0.0", "/"],
    ["/hello@1.1.0/x", "1.1.0", "/x"],
    ["/hello@1/", "1.1.0", "/"],
    ["/hello@1.0/", "1.0.0", "/"],
    ["/hello@1.1/", "1.1.0", "/"],
    ["/hello@2/", "2.0.0", "/"],
    ["/hello@%5E1.0.0/", "1.1.0", "/"],
    ["/hello@~1.0/", "1.0.0", "/"],
    ["/hello@~1.1/", "1.1.0", "/"],
    ["/hello@%3E%3D1.0.0/", "2.0.0", "/"],
    ["/hello@1", "1.1.0", "/"],
    ["/hello?x=1", "2.0.0", "/?x=1"],
    ["/hello@1?x=1", "1.1.0", "/?x=1"],
    ["/hello@1/a/b?x=1", "1.1.0", "/a/b?x=1"],
    ["/hello/a/b/?x=1&y=%2F", "2.0.0", "/a/b/?x=1&y=%2F"],
  ])("%s is served by %s, which sees %s", async (path, version, seen) => {
    const res = await fetch(server.at(path));
    expect(res.status).toBe(200);
    expect(res.headers.get("x-buntime-app")).toBe(`hello@${version}`);
    expect(await res.json()).toEqual({ app: "hello", version, path: seen });
  });

  test("the prerelease is served only when asked for exactly", async () => {
    const res = await fetch(server.at("/hello@3.0.0-beta.1/"));
    expect(res.status).toBe(200);
    expect(res.headers.get("x-buntime-app")).toBe("hello@3.0.0-beta.1");
    expect(await res.json()).toEqual({ app: "hello", version: "3.0.0-beta.1" });
  });

  test("/<name> without a trailing slash is served, not redirected", async () => {
    const res = await fetch(server.at("/hello"), { redirect: "manual" });
    expect(res.status).toBe(200);
    expect(res.headers.get("location")).toBeNull();
  });
});

describe("what the app sees", () => {
  test("the prefix is removed and named in x-forwarded-prefix", async () => {
    const { seen } = await echo("/echo@1.0.0/a/b?x=1");
    expect(seen.path).toBe("/a/b?x=1");
    expect(seen.headers["x-forwarded-prefix"]).toBe("/echo@1.0.0");
    expect((await echo("/echo/")).seen.headers["x-forwarded-prefix"]).toBe("/echo");
    expect((await echo("/echo")).seen.headers["x-forwarded-prefix"]).toBe("/echo");
  });

  test("x-forwarded-prefix is the prefix as the client wrote it, an encoded range included", async () => {
    const { seen } = await echo("/echo@%5E1.0.0/x");
    expect(seen.path).toBe("/x");
    expect(seen.headers["x-forwarded-prefix"]).toBe("/echo@%5E1.0.0");
    expect((await echo("/echo@~1.0/x")).seen.headers["x-forwarded-prefix"]).toBe("/echo@~1.0");
  });

  test("/<name>?query without a trailing slash reaches the app as /?query", async () => {
    const { seen } = await echo("/echo?x=1&y=2");
    expect(seen.path).toBe("/?x=1&y=2");
    expect(seen.headers["x-forwarded-prefix"]).toBe("/echo");
  });

  test("x-buntime-app names the resolved version", async () => {
    const { seen } = await echo("/echo@%5E1.0.0/");
    expect(seen.headers["x-buntime-app"]).toBe("echo@1.0.0");
  });

  test("the client's x-request-id is kept, for the app and in the response", async () => {
    const { res, seen } = await echo("/echo/", { headers: { "x-request-id": "client-id-42" } });
    expect(seen.headers["x-request-id"]).toBe("client-id-42");
    expect(res.headers.get("x-request-id")).toBe("client-id-42");
  });

  test("without one, a new UUID is made per request, the same for the app and the response", async () => {
    const first = await echo("/echo/");
    const second = await echo("/echo/");
    const id = first.res.headers.get("x-request-id");
    expect(id).toMatch(UUID);
    expect(first.seen.headers["x-request-id"]).toBe(id!);
    expect(second.res.headers.get("x-request-id")).not.toBe(id);
  });

  test("a client cannot choose x-forwarded-prefix or x-buntime-app", async () => {
    const { seen } = await echo("/echo/", {
      headers: { "x-forwarded-prefix": "/spoofed", "x-buntime-app": "admin@9.9.9" },
    });
    expect(seen.headers["x-forwarded-prefix"]).toBe("/echo");
    expect(seen.headers["x-buntime-app"]).toBe("echo@1.0.0");
  });

  test("method, headers and a JSON body pass unchanged", async () => {
    const payload = JSON.stringify({ name: "Ada", tags: ["x", "y"], n: 1.5 });
    const { seen } = await echo("/echo/users?sort=asc", {
      method: "POST",
      headers: { "content-type": "application/json", "x-custom": "value 1", authorization: "Bearer abc" },
      body: payload,
    });
    expect(seen.method).toBe("POST");
    expect(seen.path).toBe("/users?sort=asc");
    expect(seen.body).toBe(payload);
    expect(seen.headers["content-type"]).toBe("application/json");
    expect(seen.headers["x-custom"]).toBe("value 1");
    expect(seen.headers.authorization).toBe("Bearer abc");
  });

  test("repeated request headers arrive as Bun.serve gives them: set-cookie apart, others joined", async () => {
    const headers = new Headers();
    headers.append("set-cookie", "a=1");
    headers.append("set-cookie", "b=2");
    headers.append("x-multi", "one");
    headers.append("x-multi", "two");
    const echoed = (await (await fetch(server.at("/echo/"), { headers })).json()) as Echoed & { setCookie: string[] };
    expect(echoed.setCookie).toEqual(["a=1", "b=2"]);
    expect(echoed.headers["x-multi"]).toBe("one, two");
  });

  test.each(["PUT", "PATCH", "DELETE"])("%s with a text body passes unchanged", async (method) => {
    const { seen } = await echo("/echo/item/7", { method, body: `body of ${method}` });
    expect(seen.method).toBe(method);
    expect(seen.body).toBe(`body of ${method}`);
  });
});

describe("response headers from app routes", () => {
  test.each([
    ["/hello/", 200],
    ["/custom-status/?status=418", 418],
    ["/throws/throw", 500],
    ["/hono-api/no-such-route", 404],
  ])("%s carries x-buntime-app and x-request-id", async (path, status) => {
    const res = await fetch(server.at(path));
    expect(res.status).toBe(status);
    expect(res.headers.get("x-buntime-app")).toMatch(/^[a-z-]+@\d+\.\d+\.\d+$/);
    expect(res.headers.get("x-request-id")).toMatch(UUID);
    await res.arrayBuffer();
  });
});

describe("an app's own responses pass through untouched", () => {
  test.each([400, 404, 418, 500, 503])("status %d with its body and headers", async (status) => {
    const res = await fetch(server.at(`/custom-status/?status=${status}`));
    expect(res.status).toBe(status);
    expect(res.headers.get("content-type")).toBe("text/plain");
    expect(res.headers.get("x-app-header")).toBe("kept");
    expect(await res.text()).toBe(`app body for ${status}`);
  });

  test("a redirect is not followed or rewritten", async () => {
    const res = await fetch(server.at("/custom-status/?status=302"), { redirect: "manual" });
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe("/elsewhere");
    expect(await res.text()).toBe("app body for 302");
  });

  test("204 has no body", async () => {
    const res = await fetch(server.at("/custom-status/?status=204"));
    expect(res.status).toBe(204);
    expect(await res.text()).toBe("");
  });

  test.each([1, 1000])("a non-ASCII string body (sample × %d) arrives unchanged, short or long", async (repeat) => {
    const res = await fetch(server.at(`/plain-text/?repeat=${repeat}`));
    expect(res.headers.get("content-type")?.toLowerCase()).toBe("text/plain;charset=utf-8");
    expect(await res.text()).toBe("héllo wörld ✓ 🚀 ".repeat(repeat));
  });

  test.each([
    ["blob", "text/html;charset=utf-8", "<p>blob</p>"],
    ["params", "application/x-www-form-urlencoded;charset=utf-8", "a=1"],
  ])("a %s body keeps the type it implies", async (as, type, text) => {
    const res = await fetch(server.at(`/plain-text/?as=${as}`));
    expect(res.headers.get("content-type")?.toLowerCase()).toBe(type);
    expect(await res.text()).toBe(text);
  });

  test("a bare string body keeps its implied text/plain type, as Bun.serve would send it", async () => {
    const res = await fetch(server.at("/plain-text/"));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")?.toLowerCase()).toBe("text/plain;charset=utf-8");
    expect(await res.text()).toBe("plain text");
  });

  test("Hono's own 404 stays Hono's", async () => {
    const res = await fetch(server.at("/hono-api/no-such-route"));
    expect(res.status).toBe(404);
    expect(await res.text()).toBe("404 Not Found");
  });
});

describe("runtime errors", () => {
  test.each([
    ["/hello@latest/", 400, "INVALID_VERSION"],
    ["/hello@not a range/", 400, "INVALID_VERSION"],
    ["/hello@%E0%A4%A/", 400, "INVALID_VERSION"],
    ["/no-such-app/", 404, "APP_NOT_FOUND"],
    ["/no-such-app", 404, "APP_NOT_FOUND"],
    ["/", 404, "APP_NOT_FOUND"],
    ["/hello@9/", 404, "VERSION_NOT_FOUND"],
    ["/hello@1.0.1/", 404, "VERSION_NOT_FOUND"],
    ["/hello@%5E4.0.0/x", 404, "VERSION_NOT_FOUND"],
  ])("%s → %d %s", async (path, status, code) => {
    const res = await fetch(server.at(path));
    await expectError(res, status, code);
    expect(res.headers.get("x-request-id")).toMatch(UUID);
  });

  test("an empty range (`/hello@/`) is INVALID_VERSION, and does not change what `/hello/` resolves to", async () => {
    // Both orders: a resolution cache that confuses "no range" with "empty range" fails one of them.
    await expectError(await fetch(server.at("/hello@/")), 400, "INVALID_VERSION");
    const plain = await fetch(server.at("/hello/"));
    expect(plain.status).toBe(200);
    expect(plain.headers.get("x-buntime-app")).toBe("hello@2.0.0");
    await expectError(await fetch(server.at("/hello@/")), 400, "INVALID_VERSION");
  });

  test("the message names what was asked for", async () => {
    expect(await expectError(await fetch(server.at("/no-such-app/")), 404, "APP_NOT_FOUND")).toContain("no-such-app");
    expect(await expectError(await fetch(server.at("/hello@latest/")), 400, "INVALID_VERSION")).toContain("latest");
  });
});

describe("runtime errors on app routes also carry x-buntime-app and x-request-id", () => {
  let apps: ReturnType<typeof tempAppsDir>;
  let failing: TestServer;
  beforeAll(async () => {
    apps = tempAppsDir("exit-in-handler", "crash-on-import");
    writeApp(apps.dir, "short-timeout", "slow", { timeout: 1 });
    writeApp(apps.dir, "one-slot", "slow", { concurrency: 1, maxQueue: 0, timeout: 5 });
    failing = await startTestServer({ APPS_DIR: apps.dir });
  });
  afterAll(() => stopThenRemove(failing, apps));

  /** Sends `path` with its own x-request-id and checks the error, its code and both headers. */
  const expectStamped = async (path: string, status: number, code: string, app: string) => {
    const id = `test-${code.toLowerCase()}`;
    const answer = await call(failing.at(path), { headers: { "x-request-id": id } });
    expect(answer.status).toBe(status);
    expect(answer.code).toBe(code);
    expect(answer.headers.get("x-buntime-app")).toBe(app);
    expect(answer.headers.get("x-request-id")).toBe(id);
    return answer;
  };

  test("502 WORKER_CRASHED: the worker died mid-request", async () => {
    await expectStamped("/exit-in-handler/exit", 502, "WORKER_CRASHED", "exit-in-handler@1.0.0");
  });

  test("502 WORKER_START_FAILED: the app threw while loading", async () => {
    await expectStamped("/crash-on-import/", 502, "WORKER_START_FAILED", "crash-on-import@1.0.0");
  });

  test("504 APP_TIMEOUT: no complete answer within the app's timeout", async () => {
    await expectStamped("/short-timeout/?ms=3000", 504, "APP_TIMEOUT", "short-timeout@1.0.0");
  });

  test("503 APP_OVERLOADED: the only slot is taken and there is no queue", async () => {
    const busy = call(failing.at("/one-slot/?ms=1000"));
    await whenInFlight(failing.pool, "one-slot");
    const overloaded = await expectStamped("/one-slot/", 503, "APP_OVERLOADED", "one-slot@1.0.0");
    expect(Number(overloaded.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect((await busy).status).toBe(200);
  });
});

describe("a guard's refusal on an app route carries x-request-id (and x-buntime-app, as every app route's answer)", () => {
  const SECRET = "a-test-secret-of-at-least-32-characters";
  let guarded: TestServer;
  beforeAll(async () => {
    // authn verifies HS256 tokens made with SECRET; authz has no policy, so it denies whoever passed.
    guarded = await startTestServer(
      {},
      {
        config: normaliseConfig(
          {
            plugins: [
              ["@buntime/authn", { provider: "jwt", secret: SECRET }],
              ["@buntime/authz", { store: "memory" }],
            ],
          },
          ROOT,
        ),
      },
    );
  });
  afterAll(() => guarded.stop());

  test("401 UNAUTHENTICATED (authn): no token", async () => {
    const res = await fetch(guarded.at("/echo/"), { headers: { "x-request-id": "refused-by-authn" } });
    await expectError(res, 401, "UNAUTHENTICATED");
    expect(res.headers.get("x-request-id")).toBe("refused-by-authn");
    expect(res.headers.get("x-buntime-app")).toBe("echo@1.0.0");
    const fresh = await fetch(guarded.at("/echo/x"));
    await expectError(fresh, 401, "UNAUTHENTICATED");
    expect(fresh.headers.get("x-request-id")).toMatch(UUID);
  });

  test("403 FORBIDDEN (authz): a valid token, but no policy permits it", async () => {
    const token = await new SignJWT({ sub: "someone" })
      .setProtectedHeader({ alg: "HS256" })
      .setExpirationTime("5m")
      .sign(new TextEncoder().encode(SECRET));
    const headers = { authorization: `Bearer ${token}`, "x-request-id": "refused-by-authz" };
    const res = await fetch(guarded.at("/echo/"), { headers });
    await expectError(res, 403, "FORBIDDEN");
    expect(res.headers.get("x-request-id")).toBe("refused-by-authz");
    expect(res.headers.get("x-buntime-app")).toBe("echo@1.0.0");
  });
});

describe("internal routes", () => {
  test("GET /_/health → 200 {status: ok}", async () => {
    const res = await fetch(server.at("/_/health"));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "ok" });
  });

  test("an unknown /_/ route is a JSON 404", async () => {
    await expectError(await server.admin("/_/no-such-route"), 404, "NOT_FOUND");
  });
});
