import { expect, test } from "bun:test";
import { BuntimeError } from "../errors.ts";
import type { KeyRecord, KeyStore } from "../store/keys.ts";
import { ADMIN_TOKEN_SUBJECT } from "./guard.ts";
import { createKey } from "./keys-routes.ts";

function memoryKeys(): KeyStore & { records: KeyRecord[] } {
  const records: KeyRecord[] = [];
  return {
    name: "memory",
    records,
    list: async () => records,
    create: async (record) => {
      records.push(record);
    },
    remove: async () => false,
    touch: async () => {},
    subscribe: () => () => {},
  };
}

test("no key may be named as the admin token appears (its subject in history and policies)", async () => {
  const keys = memoryKeys();
  const refused = await createKey(keys, { name: ADMIN_TOKEN_SUBJECT, role: "viewer" }).catch((error) => error);
  expect(refused).toBeInstanceOf(BuntimeError);
  expect((refused as BuntimeError).code).toBe("REQUEST_INVALID");
  expect((refused as BuntimeError).message).toContain(ADMIN_TOKEN_SUBJECT);
  expect(keys.records).toEqual([]);
  // A name that merely starts alike is a name like any other.
  expect((await createKey(keys, { name: "admin-token-ci", role: "viewer" })).name).toBe("admin-token-ci");
});
