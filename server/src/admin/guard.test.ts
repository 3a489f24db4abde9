import { describe, expect, test } from "bun:test";
import type { RequestContext } from "@buntime/sdk";
import { getIdentity } from "../plugins/builtin/identity.ts";
import type { KeyRecord, KeyStore } from "../store/keys.ts";
import { silentLogger } from "../util/log.ts";
import { AdminGuard, LAST_USED_INTERVAL_MS } from "./guard.ts";
import { generateKey, hashSecret } from "./key-format.ts";

/** A key store in memory that counts `touch` calls. */
function memoryKeys(records: KeyRecord[]) {
  const touches: string[][] = [];
  const store: KeyStore = {
    name: "memory",
    list: async () => records,
    create: async (r) => void records.push(r),
    remove: async () => false,
    touch: async (lastUsed) => void touches.push([...lastUsed.keys()]),
    subscribe: () => () => {},
  };
  return { store, touches };
}

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
    const { store } = memoryKeys([record]);
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
    const { store, touches } = memoryKeys([record]);
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
    const { store, touches } = memoryKeys([{ ...record, expires: "2026-01-02T00:00:00.000Z" }]);
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
});
