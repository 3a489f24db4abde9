/**
 * Shared set-up for integration tests: a real Buntime server on a free port of 127.0.0.1.
 *
 * @example
 * const server = await startTestServer();
 * afterAll(() => server.stop());
 * const res = await fetch(new URL("/hello/", server.url));
 */
import { chmodSync, cpSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { loadEnv } from "../server/src/constants.ts";
import { type RunningServer, type ServerOptions, startServer } from "../server/src/server.ts";
import { silentLogger } from "../server/src/util/log.ts";

export const FIXTURE_APPS = resolve(import.meta.dir, "../fixtures/apps");
export const ROOT = resolve(import.meta.dir, "..");

export interface TestServer extends RunningServer {
  /** `new URL(path, url)` as a string. */
  at(path: string): string;
  /** `fetch(at(path), init)` with the test admin token (admin routes, docs/admin.md). */
  admin(path: string, init?: RequestInit): Promise<Response>;
}

/** The BUNTIME_ADMIN_TOKEN every test server gets unless `env` overrides it ("" = none). */
export const TEST_ADMIN_TOKEN = "test-admin-token-for-buntime-tests";

/** Headers that carry the test admin token. */
export const ADMIN_HEADERS: Readonly<Record<string, string>> = { authorization: `Bearer ${TEST_ADMIN_TOKEN}` };

/** `init` with the test admin token added to its headers. */
export function asAdmin(init: RequestInit = {}): RequestInit {
  const headers = new Headers(init.headers);
  headers.set("authorization", ADMIN_HEADERS.authorization as string);
  return { ...init, headers };
}

/**
 * Starts the server in this process with `env` over the defaults (APPS_DIR: the fixtures;
 * BUNTIME_ADMIN_TOKEN: TEST_ADMIN_TOKEN; BUNTIME_DATA_DIR: a fresh folder under `.tmp/`, removed
 * by `stop()`) and `options` passed through (a silent logger unless given): `timing` shrinks the
 * pool's knobs (heartbeat, probe, crash-loop backoff), `config` lists the plugins.
 */
export async function startTestServer(
  env: Record<string, string> = {},
  options: Omit<ServerOptions, "env"> = {},
): Promise<TestServer> {
  const dataDir = env.BUNTIME_DATA_DIR ? undefined : join(ROOT, ".tmp", `data-${crypto.randomUUID()}`);
  const server = await startServer({
    logger: silentLogger,
    ...options,
    env: loadEnv({
      APPS_DIR: FIXTURE_APPS,
      HOST: "127.0.0.1",
      PORT: "0",
      BUNTIME_ADMIN_TOKEN: TEST_ADMIN_TOKEN,
      ...(dataDir ? { BUNTIME_DATA_DIR: dataDir } : {}),
      ...env,
    }),
  });
  const stop = server.stop;
  const at = (path: string) => new URL(path, server.url).href;
  return Object.assign(server, {
    at,
    admin: (path: string, init?: RequestInit) => fetch(at(path), asAdmin(init)),
    stop: async (graceMs?: number) => {
      try {
        return await stop(graceMs);
      } finally {
        if (dataDir) rmSync(dataDir, { recursive: true, force: true });
      }
    },
  });
}

/**
 * A temporary APPS_DIR holding copies of the named fixture apps; `remove()` deletes it.
 * It lives in the repository's `.tmp/` so that apps still resolve the workspace's packages.
 */
export function tempAppsDir(...apps: string[]): { dir: string; remove: () => void } {
  mkdirSync(join(ROOT, ".tmp"), { recursive: true });
  const dir = mkdtempSync(join(ROOT, ".tmp", "apps-"));
  // Enterable by others: process-isolated apps run as another user (docs/isolation.md).
  chmodSync(dir, 0o711);
  for (const app of apps) cpSync(join(FIXTURE_APPS, app), join(dir, app), { recursive: true });
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Stops `server` (if it started), then removes `apps`, even when stopping failed: an afterAll. */
export async function stopThenRemove(
  server: { stop(): Promise<unknown> } | undefined,
  apps: { remove(): void } | undefined,
): Promise<void> {
  try {
    await server?.stop();
  } finally {
    apps?.remove();
  }
}

/** Polls `check` until it returns true or `timeoutMs` passes (for effects with no event, such as disk watchers). */
export async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await Bun.sleep(25);
  }
  throw new Error(`condition not met within ${timeoutMs} ms`);
}

/** A port of 127.0.0.1 free a moment ago (for a server that must know its port before it starts). */
export function freePort(): number {
  const listener = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = listener.port;
  listener.stop(true);
  return port;
}
