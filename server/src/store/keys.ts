/**
 * The key store's interface (docs/admin.md; a shared store for several nodes can implement it too):
 * API keys as records holding only a hash of the key. See README.md for why every method is async
 * and what `subscribe` is for.
 */
import { z } from "zod";

/**
 * The admin roles a key may hold, lowest first: each may do everything the ones before it may
 * (what each may do: `admin/roles.ts`). Defined here, with the key record that stores one, so the
 * store needs nothing from `admin/`; `admin/roles.ts` re-exports it.
 */
export const ROLES = ["viewer", "deployer", "admin"] as const;
export type Role = (typeof ROLES)[number];

/** A key's name: as an app name, so it is safe in paths, logs and policies. */
export const KEY_NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;

/** One stored API key. Times are ISO 8601 strings; `expires`/`lastUsed` null = never. */
export const keyRecordSchema = z.strictObject({
  name: z.string().regex(KEY_NAME),
  role: z.enum(ROLES),
  /** sha256 of the whole key (`btk_…`), hex. */
  hash: z.string().regex(/^[0-9a-f]{64}$/),
  created: z.iso.datetime(),
  expires: z.iso.datetime().nullable(),
  lastUsed: z.iso.datetime().nullable(),
});
export type KeyRecord = z.output<typeof keyRecordSchema>;

/** The file's (and later the table's) content: versioned so that a format change is detectable. */
export const keyFileSchema = z.strictObject({
  version: z.literal(1),
  keys: z.array(keyRecordSchema),
});

/** Why a store operation failed; mapped to HTTP in `admin/`. */
export class StoreError extends Error {
  override readonly name = "StoreError";
  constructor(
    readonly code:
      | "KEY_EXISTS"
      | "DEPLOYMENT_EXISTS"
      | "STORE_UNAVAILABLE"
      | "STORE_CORRUPT"
      // A version a tag or the split holds, deleted; or named by one, missing (another node, at once).
      | "VERSION_IN_USE"
      | "VERSION_MISSING",
    message: string,
  ) {
    super(message);
  }
}

/** Where API keys live: a file today, PostgreSQL with the cluster issue. */
export interface KeyStore {
  /** For messages: the file path, or the database. */
  readonly name: string;
  /** Every key, as stored now (another process's changes included). */
  list(): Promise<readonly KeyRecord[]>;
  /** @throws StoreError KEY_EXISTS when the name is taken */
  create(record: KeyRecord): Promise<void>;
  /** Whether there was a key of that name to remove. */
  remove(name: string): Promise<boolean>;
  /** Records last-used times (name → ISO time) for keys that still exist. */
  touch(lastUsed: ReadonlyMap<string, string>): Promise<void>;
  /** Called after the stored keys changed; returns the unsubscribe function. */
  subscribe(listener: () => void): () => void;
}
