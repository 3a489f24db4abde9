/**
 * `/_/keys` (docs/admin.md): create, list and revoke API keys. Role `admin`, enforced by the
 * guard before these handlers run. The key itself is in the create answer only.
 */

import { formatIssues } from "@buntime/sdk";
import { Hono } from "hono";
import { z } from "zod";
import { BuntimeError, errorResponse, toBuntimeError } from "../errors.ts";
import { KEY_NAME, type KeyRecord, type KeyStore, StoreError } from "../store/keys.ts";
import { ADMIN_TOKEN_SUBJECT } from "./guard.ts";
import { generateKey, hashSecret, parseExpires } from "./key-format.ts";
import { ROLES } from "./roles.ts";

/** The `POST /_/keys` body (and what `buntime keys create` sends). */
export const createKeySchema = z.strictObject({
  name: z
    .string()
    .regex(KEY_NAME, "a name is 1-64 of a-z 0-9 . _ -, starting with a letter or digit")
    // The admin token's subject: a key so named would pass for the token in the history and in
    // policies naming that id.
    .refine((name) => name !== ADMIN_TOKEN_SUBJECT, `"${ADMIN_TOKEN_SUBJECT}" is the admin token's name`),
  role: z.enum(ROLES),
  expires: z.string().nullable().optional(),
});

/** A stored key as listed: never the key, never its hash. */
export function publicKey({ name, role, created, expires, lastUsed }: KeyRecord) {
  return { name, role, created, expires, lastUsed };
}

/**
 * Makes a new key and stores its hash: the shared step of the route and the local CLI.
 * @throws BuntimeError REQUEST_INVALID (bad fields), KEY_EXISTS, STORE_UNAVAILABLE
 */
export async function createKey(store: KeyStore, input: unknown, now = Date.now()) {
  const parsed = createKeySchema.safeParse(input);
  if (!parsed.success) throw new BuntimeError("REQUEST_INVALID", `invalid key: ${formatIssues(parsed.error)}`);
  const expires = parseExpires(parsed.data.expires, now);
  if (expires instanceof Error) throw new BuntimeError("REQUEST_INVALID", `invalid key: ${expires.message}`);
  const key = generateKey();
  const record: KeyRecord = {
    name: parsed.data.name,
    role: parsed.data.role,
    hash: hashSecret(key),
    created: new Date(now).toISOString(),
    expires,
    lastUsed: null,
  };
  try {
    await store.create(record);
  } catch (error) {
    throw storeError(error);
  }
  return { name: record.name, role: record.role, key, created: record.created, expires: record.expires };
}

/** A store failure as the contract's error. */
export function storeError(error: unknown): BuntimeError {
  if (error instanceof StoreError) {
    return new BuntimeError(error.code === "KEY_EXISTS" ? "KEY_EXISTS" : "STORE_UNAVAILABLE", error.message);
  }
  return toBuntimeError(error);
}

/** The `/_/keys` routes over `store`. */
export function keyRoutes(store: KeyStore): Hono {
  const routes = new Hono();
  routes.onError((error) => errorResponse(storeError(error)));

  routes.get("/", async (c) => c.json((await store.list()).map(publicKey)));

  routes.post("/", async (c) => {
    let body: unknown;
    try {
      body = await c.req.json();
    } catch {
      throw new BuntimeError("REQUEST_INVALID", "the body is not JSON");
    }
    return c.json(await createKey(store, body), 201);
  });

  routes.delete("/:name", async (c) => {
    const name = c.req.param("name");
    if (!(await store.remove(name))) throw new BuntimeError("NOT_FOUND", `no key named "${name}"`);
    return c.body(null, 204);
  });
  return routes;
}
