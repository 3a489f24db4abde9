import { expect, test } from "bun:test";
import { memoryKeyStore } from "../../../test/support/key-store.ts";
import { BuntimeError } from "../errors.ts";
import { ADMIN_TOKEN_SUBJECT } from "./guard.ts";
import { createKey } from "./keys-routes.ts";

test("no key may be named as the admin token appears (its subject in history and policies)", async () => {
  const keys = memoryKeyStore();
  const refused = await createKey(keys, { name: ADMIN_TOKEN_SUBJECT, role: "viewer" }).catch((error) => error);
  expect(refused).toBeInstanceOf(BuntimeError);
  expect((refused as BuntimeError).code).toBe("REQUEST_INVALID");
  expect((refused as BuntimeError).message).toContain(ADMIN_TOKEN_SUBJECT);
  expect(keys.records).toEqual([]);
  // A name that merely starts alike is a name like any other.
  expect((await createKey(keys, { name: "admin-token-ci", role: "viewer" })).name).toBe("admin-token-ci");
});

test("an expiry past the last date there is is refused as the request's fault, nothing stored", async () => {
  const keys = memoryKeyStore();
  const refused = await createKey(keys, { name: "far", role: "viewer", expires: "999999999d" }).catch((error) => error);
  expect(refused).toBeInstanceOf(BuntimeError);
  expect((refused as BuntimeError).code).toBe("REQUEST_INVALID");
  expect((refused as BuntimeError).message).toContain("999999999d");
  expect(keys.records).toEqual([]);
});
