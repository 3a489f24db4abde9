/**
 * Keep-alive connections (HTTP_IDLE_TIMEOUT, docs/configuration.md#idle-connections): an idle
 * connection is closed after the idle timeout, whatever its last request was; a response the
 * runtime is still answering (a slow app, an event stream with silent gaps) is never cut by it: the
 * app's own `timeout` bounds those. Bun checks idle sockets every 4 s, so a 1 s timeout closes
 * within about 5 s: every wait below is for an event, with a generous upper bound.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type KeptAlive, keepAlive } from "./_raw-http.ts";
import { startTestServer, type TestServer } from "./_setup.ts";

/** Longer than the idle timeout plus Bun's 4 s sweep: silence this long is cut unless lifted. */
const SILENCE_MS = 6000;
/** How long a close may take to be seen on a loaded machine. */
const CLOSE_BOUND_MS = 20_000;

let server: TestServer;
const open: KeptAlive[] = [];
beforeAll(async () => {
  server = await startTestServer(
    { HTTP_IDLE_TIMEOUT: "1" },
    // `slow` answers after ?ms=; its fixture's 1 s timeout would answer 504 first.
    { configOverride: (name) => (name === "slow" ? { timeout: 30 } : undefined) },
  );
});
afterAll(async () => {
  for (const conn of open) conn.end();
  await server.stop();
});

async function connect(): Promise<KeptAlive> {
  const conn = await keepAlive(server.port);
  open.push(conn);
  return conn;
}

const get = (path: string) => `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`;

/** Resolves with true when `conn` closes within `ms`, false otherwise. */
function closesWithin(conn: KeptAlive, ms: number): Promise<boolean> {
  return Promise.race([conn.closed.then(() => true), Bun.sleep(ms).then(() => false)]);
}

describe("idle keep-alive connections", () => {
  test(
    "are closed by the server after the idle timeout, whatever their one request was",
    async () => {
      // An app's answer (async), the runtime's own route, and an error answered at once (sync).
      const paths = ["/hello/", "/hello/", "/echo/x", "/_/health", "/no-such-app/"];
      const conns = await Promise.all(paths.map(() => connect()));
      const statuses = await Promise.all(
        paths.map(async (path, i) => (await (conns[i] as KeptAlive).request(get(path))).status),
      );
      expect(statuses).toEqual([200, 200, 200, 200, 404]);
      expect(conns.map((conn) => conn.isClosed)).toEqual(paths.map(() => false));
      const closed = await Promise.all(conns.map((conn) => closesWithin(conn, CLOSE_BOUND_MS)));
      expect(closed).toEqual(paths.map(() => true));
    },
    CLOSE_BOUND_MS + 10_000,
  );

  test(
    "a connection that keeps sending requests stays open across them",
    async () => {
      const conn = await connect();
      for (let i = 0; i < 3; i++) expect((await conn.request(get("/hello/"))).status).toBe(200);
      expect(conn.isClosed).toBe(false);
      expect(await closesWithin(conn, CLOSE_BOUND_MS)).toBe(true);
    },
    CLOSE_BOUND_MS + 10_000,
  );
});

describe("a response still being answered is not cut by the idle timeout", () => {
  test(
    "an event stream silent for longer than the idle timeout arrives whole; the connection then idles out",
    async () => {
      const conn = await connect();
      const started = performance.now();
      const res = await conn.request(get(`/sse/?count=2&interval=${SILENCE_MS}`));
      expect(performance.now() - started).toBeGreaterThanOrEqual(SILENCE_MS - 500);
      expect(res.status).toBe(200);
      expect(res.body.match(/event: tick/g)).toHaveLength(2);
      // Once the stream ended, the idle timeout is back in force for the connection.
      expect(await closesWithin(conn, CLOSE_BOUND_MS)).toBe(true);
    },
    SILENCE_MS + CLOSE_BOUND_MS + 10_000,
  );

  test(
    "an app that answers after longer than the idle timeout is answered; the connection then idles out",
    async () => {
      const conn = await connect();
      const res = await conn.request(get(`/slow/?ms=${SILENCE_MS}`));
      expect(res.status).toBe(200);
      expect(JSON.parse(res.body)).toMatchObject({ ms: SILENCE_MS });
      expect(await closesWithin(conn, CLOSE_BOUND_MS)).toBe(true);
    },
    SILENCE_MS + CLOSE_BOUND_MS + 10_000,
  );
});
