/**
 * docs/errors.md: what the runtime answers when an app throws, fails to load, or has a broken
 * config; and (docs/configuration.md#worker-config) a `worker.config.ts` made with `defineWorker`
 * is honoured.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { rawExchange } from "./_raw-http.ts";
import { startTestServer, type TestServer } from "./_setup.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

/** Asserts the runtime's error shape and the contract headers; returns the message. */
async function expectError(path: string, status: number, code: string): Promise<string> {
  const res = await fetch(server.at(path));
  expect(res.status).toBe(status);
  expect(res.headers.get("content-type")).toStartWith("application/json");
  expect(res.headers.get("x-request-id")).toBeTruthy();
  const body = (await res.json()) as { error: { code: string; message: string } };
  expect(Object.keys(body)).toEqual(["error"]);
  expect(body.error.code).toBe(code);
  expect(typeof body.error.message).toBe("string");
  return body.error.message;
}

async function workerIdOf(path: string): Promise<string> {
  const res = await fetch(server.at(path));
  expect(res.status).toBe(200);
  const body = (await res.json()) as { ok: boolean; workerId: string };
  expect(body.ok).toBe(true);
  return body.workerId;
}

describe("an app whose fetch throws (throws)", () => {
  test.each(["/throw", "/reject", "/not-a-response", "/status-101"])(
    "%s → 500 APP_ERROR, and the same worker serves the next request",
    async (path) => {
      const before = await workerIdOf("/throws/");
      await expectError(`/throws${path}`, 500, "APP_ERROR");
      expect(await workerIdOf("/throws/")).toBe(before);
    },
  );

  test("APP_ERROR names the app", async () => {
    const res = await fetch(server.at("/throws/throw"));
    expect(res.headers.get("x-buntime-app")).toBe("throws@1.0.0");
    await res.arrayBuffer();
  });

  test("many errors in a row do not wear the worker out", async () => {
    const before = await workerIdOf("/throws/");
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => fetch(server.at(i % 2 ? "/throws/throw" : "/throws/reject"))),
    );
    expect(answers.map((res) => res.status)).toEqual(Array(20).fill(500));
    expect(await workerIdOf("/throws/")).toBe(before);
  });
});

describe("an app that throws while loading (crash-on-import)", () => {
  test("→ 502 WORKER_START_FAILED, and so does every request right after it, none hanging", async () => {
    const first = await expectError("/crash-on-import/", 502, "WORKER_START_FAILED");
    expect(first).toContain("crash-on-import");
    // The next requests arrive while the failed worker is still shutting down: a window in which
    // a request must not be queued for a worker that will never come.
    for (let i = 0; i < 3; i++) {
      const answer = await fetch(server.at(`/crash-on-import/${i}`), { signal: AbortSignal.timeout(2000) }).then(
        async (res) => `${res.status} ${((await res.json()) as { error: { code: string } }).error.code}`,
        () => "no answer within 2 s",
      );
      expect(answer).toBe("502 WORKER_START_FAILED");
    }
  });

  test("other apps are not affected", async () => {
    await expectError("/crash-on-import/", 502, "WORKER_START_FAILED");
    const res = await fetch(server.at("/hello/"));
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ app: "hello" });
  });
});

describe("invalid configs", () => {
  test('worker.jsonc with `timeout: "soon"` → 500 APP_CONFIG_INVALID naming `timeout` (bad-config)', async () => {
    const message = await expectError("/bad-config/", 500, "APP_CONFIG_INVALID");
    expect(message).toContain("timeout");
  });

  test("worker.jsonc that does not parse → APP_CONFIG_INVALID with line:column (bad-jsonc)", async () => {
    const message = await expectError("/bad-jsonc/", 500, "APP_CONFIG_INVALID");
    // The `]` that should be a `}` is on line 3, column 21.
    expect(message).toContain("worker.jsonc:3:21");
  });

  test("worker.config.ts whose defineWorker throws → APP_CONFIG_INVALID naming `timeout` (bad-config-ts)", async () => {
    const message = await expectError("/bad-config-ts/", 500, "APP_CONFIG_INVALID");
    expect(message).toContain("timeout");
  });

  test("an invalid config is reported on every request, not only the first", async () => {
    await expectError("/bad-config/", 500, "APP_CONFIG_INVALID");
    await expectError("/bad-config/x", 500, "APP_CONFIG_INVALID");
  });
});

test("no entrypoint → 500 ENTRYPOINT_NOT_FOUND (no-entrypoint)", async () => {
  const message = await expectError("/no-entrypoint/", 500, "ENTRYPOINT_NOT_FOUND");
  expect(message).toContain("no-entrypoint");
});

describe("worker.config.ts", () => {
  test("its defineWorker env is the app's environment (config-ts-env)", async () => {
    const res = await fetch(server.at("/config-ts-env/"));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ env: { FROM_CONFIG_TS: "yes" } });
  });

  test("hono-api, configured by worker.config.ts, serves", async () => {
    const res = await fetch(server.at("/hono-api/users/7"));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ id: "7", prefix: "/hono-api" });
  });
});

/**
 * Requests Bun's parser lets through but that name no URL: each gets the contract's JSON, never
 * Bun's error page (which shows the working directory, file paths and source lines).
 */
describe("malformed requests (raw HTTP)", () => {
  const close = "Connection: close\r\n";
  const host = (value: string) => `Host: ${value}\r\n${close}`;
  test.each([
    ["HTTP/1.0 without Host", `GET /hello/ HTTP/1.0\r\n\r\n`],
    ["HTTP/1.0 without Host, internal route", `GET /_/health HTTP/1.0\r\n\r\n`],
    ["HTTP/1.0 without Host, absolute-form", `GET http://127.0.0.1/hello/ HTTP/1.0\r\n\r\n`],
    ["CONNECT", `CONNECT example.com:443 HTTP/1.1\r\n${host("example.com:443")}\r\n`],
    ["Host with /", `GET /hello/ HTTP/1.1\r\n${host("a/b")}\r\n`],
    ["Host with @", `GET /hello/ HTTP/1.1\r\n${host("user@x")}\r\n`],
    ["Host with userinfo and port", `GET /hello/ HTTP/1.1\r\n${host("a@b:80")}\r\n`],
    ["empty Host", `GET /hello/ HTTP/1.1\r\n${host("")}\r\n`],
    ["Host with a space", `GET /hello/ HTTP/1.1\r\n${host("a b")}\r\n`],
    ["Host with ?", `GET /hello/ HTTP/1.1\r\n${host("a?b")}\r\n`],
    ["Host with #", `GET /hello/ HTTP/1.1\r\n${host("a#b")}\r\n`],
    ["Host with a backslash", `GET /hello/ HTTP/1.1\r\n${host("a\\b")}\r\n`],
    ["Host with a bad percent-escape", `GET /hello/ HTTP/1.1\r\n${host("a%b")}\r\n`],
    ["Host with ^ and |", `GET /hello/ HTTP/1.1\r\n${host("a^b|c")}\r\n`],
    ["Host with a port out of range", `GET /hello/ HTTP/1.1\r\n${host("x:99999")}\r\n`],
    ["Host with a port that is not a number", `GET /hello/ HTTP/1.1\r\n${host("x:abc")}\r\n`],
    ["Host that is only a port", `GET /hello/ HTTP/1.1\r\n${host(":80")}\r\n`],
    ["Host with an unclosed IPv6 bracket", `GET /hello/ HTTP/1.1\r\n${host("[::1")}\r\n`],
    ["Host with an IPvFuture literal", `GET /hello/ HTTP/1.1\r\n${host("[v1.x]")}\r\n`],
    ["Host with an out-of-range IPv4 address", `GET /hello/ HTTP/1.1\r\n${host("999.999.999.999")}\r\n`],
    ["Host with five numeric labels", `GET /hello/ HTTP/1.1\r\n${host("1.2.3.4.5")}\r\n`],
    ["Host with a bad punycode label", `GET /hello/ HTTP/1.1\r\n${host("xn--a")}\r\n`],
    ["Host with a path, HTTP/1.0", `GET /hello/ HTTP/1.0\r\nHost: a:80/x\r\n\r\n`],
  ])("%s → 400 REQUEST_INVALID as JSON, no page, no path", async (_name, text) => {
    const res = await rawExchange(server.port, text);
    expect(res.status).toBe(400);
    expect(res.headers["content-type"]).toStartWith("application/json");
    expect(res.headers["x-request-id"]).toBeTruthy();
    expect(JSON.parse(res.body)).toEqual({ error: { code: "REQUEST_INVALID", message: expect.any(String) } });
    expect(res.raw).not.toMatch(/<html|\.ts:\d|\/work\/|\n\s+at /i);
  });

  // Absolute-form targets are fine: Bun routes them by Host (RFC 9112 §3.2.2), as a proxy would.
  test.each([
    ["GET http://evil.example/hello/ HTTP/1.1"],
    ["GET http://user:pw@evil.example/hello/ HTTP/1.1"],
    ["GET https://evil.example/hello/ HTTP/1.1"],
  ])("%s is served, by Host", async (line) => {
    const res = await rawExchange(server.port, `${line}\r\nHost: 127.0.0.1\r\n${close}\r\n`);
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({ app: "hello", path: "/" });
  });

  test("HTTP/1.0 with a Host is served", async () => {
    const res = await rawExchange(server.port, "GET /hello/ HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n");
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({ app: "hello" });
  });

  test("the server serves on after all of them", async () => {
    const res = await fetch(server.at("/hello/"));
    expect(res.status).toBe(200);
    await res.arrayBuffer();
  });
});
