import { z } from "zod";
import { workerConfigSchema } from "./worker-config.ts";

/** The JSON Schema for `worker.jsonc`, as published in `worker.schema.json`. */
export function workerSchemaJson(): string {
  const schema = z.toJSONSchema(workerConfigSchema, { io: "input" });
  return `${JSON.stringify({ ...schema, title: "Buntime worker config" }, null, 2)}\n`;
}
