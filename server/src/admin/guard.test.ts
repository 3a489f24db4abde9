import { describe, expect, test } from "bun:test";
import type { RequestContext } from "@buntime/sdk";
import { memoryKeyStore } from "../../../test/support/key-store.ts";
import { getIdentity } from "../plugins/builtin/identity.ts";
import type { KeyRecord } from "../store/keys.ts";
import { silentLogger } from "../util/log.ts";
import { AdminGuard, LAST_USED_INTERVAL_MS } from "./guard.ts";
import { generateKey, hashSecret } from "./key-format.ts";

const ctx = (path: string): RequestContext =>
  ({ requestId: "r", path, vars: new Map(), logger: silentLogger }) as unknown as RequestContext;

describe("AdminGuard", () => {
  const key = generateKey();
  const record: KeyRecord = {
    name: "ci",
    role: "deployer",
    hash: hashSecret(key),
    created: "2026-01-01T00:00:00.000Z",
    expires: null,
    lastUsed: null,
  };

  test("a key becomes an identity authz sees: id = its name, role = its role", async () => {
    const store = memoryKeyStore([record]);
    const guard = new AdminGuard({
      adminToken: undefined,
      keys: store,
      authn: () => false,
      logger: silentLogger,
    });
    const c = ctx("/_/stats");
    const req = new Request("http://x/_/stats", { headers: { "x-api-key": key } });
    expect(await guard.before(req, c)).toBeUndefined();
    expect(getIdentity(c)).toMatchObject({ sub: "ci", roles: ["deployer"] });
    expect(guard.after(req, c)).toBeUndefined();
  });

  test("lastUsed is written at most once a minute per key", async () => {
    const store = memoryKeyStore([record]);
    const { touches } = store;
    let now = Date.parse("2026-03-01T00:00:00Z");
    const guard = new AdminGuard({
      adminToken: undefined,
      keys: store,
      authn: () => false,
      logger: silentLogger,
      now: () => now,
    });
    const use = () =>
      guard.before(new Request("http://x/_/stats", { headers: { authorization: `Bearer ${key}` } }), ctx("/_/stats"));
    for (let i = 0; i < 50; i++) await use();
    expect(touches).toEqual([["ci"]]);
    now += LAST_USED_INTERVAL_MS - 1;
    await use();
    expect(touches).toHaveLength(1);
    now += 1;
    await use();
    expect(touches).toHaveLength(2);
  });

  test("an expired key is refused like an unknown one", async () => {
    const store = memoryKeyStore([{ ...record, expires: "2026-01-02T00:00:00.000Z" }]);
    const { touches } = store;
    const guard = new AdminGuard({
      adminToken: undefined,
      keys: store,
      authn: () => false,
      logger: silentLogger,
      now: () => Date.parse("2026-01-02T00:00:00.000Z"),
    });
    const res = await guard.before(new Request("http://x/_/stats", { headers: { "x-api-key": key } }), ctx("/_/stats"));
    expect(res?.status).toBe(401);
    expect(touches).toEqual([]);
  });

  describe("dashboard sessions", () => {
    const TOKEN = "the-admin-token";
    const make = (records: KeyRecord[] = [record]) =>
      new AdminGuard({ adminToken: TOKEN, keys: memoryKeyStore(records), authn: () => false, logger: silentLogger });
    const withCookie = (id: string, init: RequestInit & { path?: string } = {}) =>
      new Request(`http://x${init.path ?? "/_/stats"}`, {
        ...init,
        headers: { ...(init.headers as Record<string, string>), cookie: `other=1; buntime_session=${id}` },
      });

    test("a session opened with a key is that key: same identity, same role", async () => {
      const guard = make();
      const opened = await guard.openSession(new Request("http://x/", { headers: { authorization: `Bearer ${key}` } }));
      expect(opened?.verified).toMatchObject({ role: "deployer", credential: "api-key" });
      const c = ctx("/_/stats");
      expect(await guard.before(withCookie(opened?.id ?? ""), c)).toBeUndefined();
      expect(getIdentity(c)).toMatchObject({ sub: "ci", roles: ["deployer"] });
      expect(await guard.identify(withCookie(opened?.id ?? ""))).toMatchObject({ role: "deployer", session: true });
    });

    test("a write with the cookie needs X-Buntime-CSRF: 1 (403 without it)", async () => {
      const guard = make();
      const opened = await guard.openSession(
        new Request("http://x/", { headers: { authorization: `Bearer ${TOKEN}` } }),
      );
      const id = opened?.id ?? "";
      const path = "/_/deployments/a/1.0.0";
      const bare = await guard.before(withCookie(id, { method: "POST", path }), ctx(path));
      expect(bare?.status).toBe(403);
      expect(((await (bare as Response).json()) as { error: { code: string } }).error.code).toBe("FORBIDDEN");
      const wrong = withCookie(id, { method: "POST", path, headers: { "x-buntime-csrf": "yes" } });
      expect((await guard.before(wrong, ctx(path)))?.status).toBe(403);
      const right = withCookie(id, { method: "POST", path, headers: { "x-buntime-csrf": "1" } });
      expect(await guard.before(right, ctx(path))).toBeUndefined();
      // A header credential needs no CSRF header: a cross-site form cannot send one either.
      const keyed = new Request(`http://x${path}`, { method: "POST", headers: { authorization: `Bearer ${TOKEN}` } });
      expect(await guard.before(keyed, ctx(path))).toBeUndefined();
    });

    test("a session ends with its key: revoked or expired, the cookie is refused", async () => {
      const records = [record];
      const guard = make(records);
      const opened = await guard.openSession(new Request("http://x/", { headers: { "x-api-key": key } }));
      records.length = 0;
      expect((await guard.before(withCookie(opened?.id ?? ""), ctx("/_/stats")))?.status).toBe(401);
      expect(await guard.identify(withCookie(opened?.id ?? ""))).toBeUndefined();
    });

    test("no session from a session, a wrong secret or nothing", async () => {
      const guard = make();
      const opened = await guard.openSession(
        new Request("http://x/", { headers: { authorization: `Bearer ${TOKEN}` } }),
      );
      expect(await guard.openSession(withCookie(opened?.id ?? ""))).toBeUndefined();
      expect(
        await guard.openSession(new Request("http://x/", { headers: { authorization: "Bearer nope" } })),
      ).toBeUndefined();
      expect(await guard.openSession(new Request("http://x/"))).toBeUndefined();
      expect(guard.sessions.size).toBe(1);
    });

    test("an unknown session on a dashboard page goes to the login page; elsewhere 401 JSON", async () => {
      const guard = make();
      const page = await guard.before(withCookie("A".repeat(43), { path: "/_/dashboard" }), ctx("/_/dashboard"));
      expect(page?.status).toBe(303);
      expect(page?.headers.get("location")).toBe("/_/dashboard/login");
      const api = await guard.before(withCookie("A".repeat(43)), ctx("/_/stats"));
      expect(api?.status).toBe(401);
    });
  });
});
