/**
 * Admin credentials end to end (docs/admin.md): the locked default, keys made through
 * `/_/keys` and by another process (the CLI's way), revocation and expiry on the next request,
 * lastUsed, env values never shown, and neither keys nor the token ever in the log.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { LOCKED_MESSAGE } from "../server/src/admin/decide.ts";
import { REDACTED } from "../server/src/admin/redact.ts";
import { normaliseConfig } from "../server/src/config/buntime-config.ts";
import { fileKeyStore, KEY_FILE } from "../server/src/store/file-key-store.ts";
import { createLogger } from "../server/src/util/log.ts";
import { ADMIN_ROUTES } from "./_admin.ts";
import { killServerProcesses, startServerProcess } from "./_server-process.ts";
import {
  ADMIN_HEADERS,
  eventually,
  FIXTURE_APPS,
  ROOT,
  startTestServer,
  TEST_ADMIN_TOKEN,
  type TestServer,
} from "./_setup.ts";

type ErrorBody = { error: { code: string; message: string } };
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

let dataDir: string;
beforeAll(() => {
  dataDir = mkdtempSync(join(ROOT, ".tmp", "keys-"));
});
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe("with no credential configured (no token, no key, no authn)", () => {
  const configurations = [
    ["no plugins", []],
    ["authz", [["@buntime/authz", { store: "memory", policies: [{ id: "all", effect: "permit" }] }]]],
  ] as const;
  for (const [name, plugins] of configurations) {
    test(`${name}: reads are open, every state-changing admin request is 403 ADMIN_LOCKED saying how to unlock`, async () => {
      const dir = join(dataDir, `locked-${name}`);
      const server = await startTestServer(
        { BUNTIME_ADMIN_TOKEN: "", BUNTIME_DATA_DIR: dir },
        { config: normaliseConfig({ plugins: [...plugins] }, ROOT) },
      );
      try {
        for (const route of ADMIN_ROUTES) {
          const res = await fetch(server.at(route.path), {
            method: route.method,
            headers: route.headers,
            body: route.body,
          });
          if (route.method === "GET" || route.method === "HEAD") {
            await res.body?.cancel();
            expect({ route: route.path, ok: res.status !== 401 && res.status !== 403 }).toEqual({
              route: route.path,
              ok: true,
            });
            continue;
          }
          expect(res.status).toBe(403);
          const body = (await res.json()) as ErrorBody;
          expect(body.error).toEqual({ code: "ADMIN_LOCKED", message: LOCKED_MESSAGE });
        }
        expect(LOCKED_MESSAGE).toContain("BUNTIME_ADMIN_TOKEN");
        expect(LOCKED_MESSAGE).toContain("buntime keys create");
      } finally {
        await server.stop();
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }

  test("a key created by another process (the CLI) unlocks it on the next request", async () => {
    const dir = join(dataDir, "unlock");
    const server = await startTestServer({ BUNTIME_ADMIN_TOKEN: "", BUNTIME_DATA_DIR: dir });
    try {
      const deploy = () =>
        fetch(server.at("/_/deployments/x/1.0.0"), { method: "DELETE", headers: key ? bearer(key) : {} });
      let key = "";
      expect(((await (await deploy()).json()) as ErrorBody).error.code).toBe("ADMIN_LOCKED");
      const cli = fileKeyStore(dir);
      const { createKey } = await import("../server/src/admin/keys-routes.ts");
      key = (await createKey(cli, { name: "first", role: "deployer" })).key;
      expect((await deploy()).status).toBe(404); // through the guard: there is no such version
      expect((await fetch(server.at("/_/stats"))).status).toBe(401); // reads need a credential now
    } finally {
      await server.stop();
    }
  });
});

describe("keys through /_/keys", () => {
  let server: TestServer;
  const lines: string[] = [];
  beforeAll(async () => {
    const logger = createLogger("debug", { write: (line: string) => void lines.push(line) });
    server = await startTestServer({ BUNTIME_DATA_DIR: join(dataDir, "http") }, { logger });
  });
  afterAll(() => server.stop());
  const keysSeen: string[] = [];

  test("create → use → list → revoke → 401 on the next request", async () => {
    const created = await server.admin("/_/keys", {
      method: "POST",
      body: JSON.stringify({ name: "ci", role: "deployer", expires: "30d" }),
    });
    expect(created.status).toBe(201);
    // The one answer holding the key: no cache keeps it, and no client sniffs it as something else.
    expect(created.headers.get("cache-control")).toBe("no-store");
    expect(created.headers.get("x-content-type-options")).toBe("nosniff");
    const body = (await created.json()) as {
      name: string;
      role: string;
      key: string;
      created: string;
      expires: string;
    };
    keysSeen.push(body.key);
    expect(body.key).toMatch(/^btk_[A-Za-z0-9_-]{43}$/);
    expect({ name: body.name, role: body.role }).toEqual({ name: "ci", role: "deployer" });
    const days = (Date.parse(body.expires) - Date.parse(body.created)) / 86_400_000;
    expect(days).toBe(30);

    const del = () => fetch(server.at("/_/deployments/x/1.0.0"), { method: "DELETE", headers: bearer(body.key) });
    expect((await del()).status).toBe(404);
    expect((await fetch(server.at("/_/stats"), { headers: { "x-api-key": body.key } })).status).toBe(200);

    const list = async () => (await (await server.admin("/_/keys")).json()) as Record<string, unknown>[];
    expect(await list()).toHaveLength(1);
    expect(Object.keys((await list())[0] ?? {}).sort()).toEqual(["created", "expires", "lastUsed", "name", "role"]);
    // lastUsed is written in the background, off the request's path.
    await eventually(async () => typeof (await list())[0]?.lastUsed === "string");
    expect(JSON.stringify(await list())).not.toContain(body.key);

    expect((await server.admin("/_/keys/ci", { method: "DELETE" })).status).toBe(204);
    const after = await del();
    expect(after.status).toBe(401);
    expect(after.headers.get("www-authenticate")).toStartWith("Bearer");
    expect((await server.admin("/_/keys/ci", { method: "DELETE" })).status).toBe(404);
  });

  test("only the key's sha256 is stored, in a 0600 file in BUNTIME_DATA_DIR", async () => {
    const created = await server.admin("/_/keys", {
      method: "POST",
      body: JSON.stringify({ name: "hashed", role: "viewer" }),
    });
    expect(created.status).toBe(201);
    const { key } = (await created.json()) as { key: string };
    keysSeen.push(key);
    // Hashed here, not with the runtime's own function: the test must not share its mistakes.
    const sha256 = createHash("sha256").update(key).digest("hex");
    const file = join(dataDir, "http", KEY_FILE);
    const text = readFileSync(file, "utf8");
    expect(text).not.toContain(key);
    expect(text).not.toContain(key.slice("btk_".length)); // nor the random part without its prefix
    const { keys } = JSON.parse(text) as { keys: { name: string; hash: string }[] };
    expect(keys.find((k) => k.name === "hashed")?.hash).toBe(sha256);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  test("a taken name is 409 KEY_EXISTS; bad fields are 400 REQUEST_INVALID naming them", async () => {
    const post = (body: unknown) => server.admin("/_/keys", { method: "POST", body: JSON.stringify(body) });
    const first = await post({ name: "dup", role: "viewer", expires: null });
    keysSeen.push(((await first.json()) as { key: string }).key);
    const again = await post({ name: "dup", role: "viewer" });
    expect(again.status).toBe(409);
    expect(((await again.json()) as ErrorBody).error.code).toBe("KEY_EXISTS");
    for (const [bad, field] of [
      [{ name: "Bad Name", role: "viewer" }, "name"],
      [{ name: "ok", role: "owner" }, "role"],
      [{ name: "ok", role: "viewer", expires: "soon" }, "expires"],
    ] as const) {
      const res = await post(bad);
      expect(res.status).toBe(400);
      const error = ((await res.json()) as ErrorBody).error;
      expect(error.code).toBe("REQUEST_INVALID");
      expect(error.message).toContain(field);
    }
  });

  test("a deployment's env values are never shown: names only", async () => {
    const all = await (await server.admin("/_/deployments")).text();
    const one = (await (await server.admin("/_/deployments/echo/1.0.0")).json()) as { config: { env: unknown } };
    expect(one.config.env).toEqual({ GREETING: REDACTED });
    expect(all).toContain('"GREETING":"<redacted>"');
    expect(all).not.toContain("hello from echo");
  });

  test("the log never holds a key, the admin token, or an env value", async () => {
    // Wrong credentials too: a near-miss must not be logged either.
    await fetch(server.at("/_/stats"), { headers: bearer(`${TEST_ADMIN_TOKEN}x`) });
    await fetch(server.at("/_/stats"), { headers: { "x-api-key": "btk_wrong-key-for-the-log-test" } });
    await fetch(server.at("/echo/"), { headers: ADMIN_HEADERS });
    const log = lines.join("");
    expect(log).toContain('"path":"/_/keys"'); // the log was captured
    for (const secret of [...keysSeen, TEST_ADMIN_TOKEN, "btk_wrong-key-for-the-log-test", "hello from echo"]) {
      expect(log).not.toContain(secret);
    }
  });
});

test("an unreadable key store refuses admin routes with 503 STORE_UNAVAILABLE, never lets them through", async () => {
  const dir = join(dataDir, "corrupt");
  const server = await startTestServer({ BUNTIME_DATA_DIR: dir });
  try {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "keys.json"), "{ torn");
    for (const headers of [{}, ADMIN_HEADERS]) {
      const res = await fetch(server.at("/_/stats"), { headers });
      expect(res.status).toBe(503);
      expect(((await res.json()) as ErrorBody).error.code).toBe("STORE_UNAVAILABLE");
    }
    expect((await fetch(server.at("/_/health"))).status).toBe(200);
    expect((await fetch(server.at("/hello/"))).status).toBe(200);
  } finally {
    await server.stop();
  }
});

test("the admin token never reaches an app (the real server process)", async () => {
  const server = await startServerProcess({ APPS_DIR: FIXTURE_APPS, BUNTIME_DATA_DIR: join(dataDir, "proc") });
  try {
    for (const app of ["/echo/", "/proc-environ/"]) {
      const text = await (await fetch(server.at(app))).text();
      expect(text.length).toBeGreaterThan(0);
      expect(text).not.toContain(TEST_ADMIN_TOKEN);
    }
    expect((await fetch(server.at("/_/stats"), { headers: ADMIN_HEADERS })).status).toBe(200);
    expect(server.lines.join("\n")).not.toContain(TEST_ADMIN_TOKEN);
  } finally {
    killServerProcesses();
  }
});
