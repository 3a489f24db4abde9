/**
 * docs/errors.md: what the runtime answers when an app throws, fails to load, or has a broken
 * config; and (docs/configuration.md#worker-config) a `worker.config.ts` made with `defineWorker`
 * is honoured.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
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
  test.each(["/throw", "/reject", "/not-a-response"])(
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
