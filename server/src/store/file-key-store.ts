/**
 * The key store's file backend: `keys.json` in `BUNTIME_DATA_DIR`, mode 0600, replaced atomically
 * under the lock file (`json-file.ts`). Reads are cached by the file's identity, so a change by
 * another process (the `buntime keys` CLI) is seen on the next `list()` at the cost of one `stat`.
 */
import { jsonFile } from "./json-file.ts";
import { type KeyRecord, type KeyStore, keyFileSchema, StoreError } from "./keys.ts";

/** The key file's name inside the data folder. */
export const KEY_FILE = "keys.json";

/**
 * A key store over `<dataDir>/keys.json`. The folder (0700) and the file are created on the
 * first write; a missing file holds no keys.
 *
 * @example
 * const store = fileKeyStore(".buntime");
 * await store.list(); // []
 */
export function fileKeyStore(dataDir: string): KeyStore {
  const file = jsonFile(dataDir, KEY_FILE, {
    what: "key file",
    schema: keyFileSchema,
    load: (data): readonly KeyRecord[] => data.keys,
    serialise: (keys) => `${JSON.stringify({ version: 1, keys }, null, 2)}\n`,
    empty: [],
  });

  return {
    name: `key file ${file.path}`,
    list: () => file.read(),
    create: (record) =>
      file.change((keys) => {
        if (keys.some((k) => k.name === record.name)) {
          throw new StoreError("KEY_EXISTS", `a key named "${record.name}" already exists`);
        }
        return { next: [...keys, record], result: undefined };
      }),
    remove: (name) =>
      file.change((keys) => {
        const kept = keys.filter((k) => k.name !== name);
        return kept.length === keys.length ? { result: false } : { next: kept, result: true };
      }),
    touch: (lastUsed) =>
      file.change((keys) => {
        if (!keys.some((k) => lastUsed.has(k.name))) return { result: undefined };
        return { next: keys.map((k) => ({ ...k, lastUsed: lastUsed.get(k.name) ?? k.lastUsed })), result: undefined };
      }),
    subscribe: (listener) => file.subscribe(listener),
  };
}
