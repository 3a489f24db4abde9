/**
 * Writes `worker.schema.json` from the zod schema. Run `bun sdk/scripts/gen-schema.ts`;
 * `worker-schema.test.ts` fails when the committed file is out of date.
 */
import { workerSchemaJson } from "../src/json-schema.ts";

const target = new URL("../worker.schema.json", import.meta.url);
await Bun.write(target, workerSchemaJson());
console.log(`wrote ${target.pathname}`);
