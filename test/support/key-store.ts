/** A key store in memory for unit tests: `records` is its content, `touches` what `touch` was given. */
import type { KeyRecord, KeyStore } from "../../server/src/store/keys.ts";

export function memoryKeyStore(records: KeyRecord[] = []): KeyStore & { records: KeyRecord[]; touches: string[][] } {
  const touches: string[][] = [];
  return {
    name: "memory",
    records,
    touches,
    list: async () => records,
    create: async (record) => {
      records.push(record);
    },
    remove: async () => false,
    touch: async (lastUsed) => {
      touches.push([...lastUsed.keys()]);
    },
    subscribe: () => () => {},
  };
}
