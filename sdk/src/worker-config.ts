import { z } from "zod";
import { formatIssues } from "./format-issues.ts";
import { parseCron } from "./schedule.ts";

/** One scheduled run of the app's `scheduled` handler (docs: scheduled handlers). */
export const scheduleSchema = z
  .object({
    cron: z
      .string()
      .min(1)
      .describe("Five fields (minute hour day-of-month month day-of-week), or six with seconds first"),
    timezone: z.string().min(1).optional().describe("IANA time zone the cron is read in. Default: UTC"),
  })
  .strict()
  .superRefine((schedule, ctx) => {
    try {
      parseCron(schedule.cron, schedule.timezone);
    } catch (error) {
      const path = /^unknown timezone/.test((error as Error).message) ? ["timezone"] : ["cron"];
      ctx.addIssue({ code: "custom", message: (error as Error).message, path });
    }
  });

/**
 * The one schema for an app version's config (`worker.jsonc` or `worker.config.ts`).
 * The server, the emulator, `defineWorker` and the published `worker.schema.json` all come
 * from this object, so defaults live here and nowhere else.
 */
export const workerConfigSchema = z
  .object({
    $schema: z.string().optional().describe("Editor hint: path or URL of worker.schema.json"),
    entrypoint: z
      .string()
      .min(1)
      .optional()
      .describe(
        "Module or .html file, relative to the app folder. Default: the first of index.ts, index.js, index.mjs, index.html, public/index.html",
      ),
    timeout: z.number().positive().default(30).describe("Seconds until a request without a complete response gets 504"),
    ttl: z
      .number()
      .min(0)
      .default(0)
      .describe("Worker lifetime in seconds; 0 means no limit. At expiry the worker is recycled"),
    idleTimeout: z
      .number()
      .positive()
      .default(60)
      .describe("Seconds without a request after which a worker is terminated"),
    maxRequests: z.number().int().positive().default(1000).describe("Requests after which a worker is recycled"),
    lowMemory: z.boolean().default(false).describe("Start the worker with Bun's small heap (smol)"),
    autoInstall: z
      .boolean()
      .default(false)
      .describe("Run `bun install` in the app folder once, before its first worker starts"),
    env: z
      .record(z.string(), z.string())
      .default({})
      .describe("The app's environment. The server's own environment is never visible to apps"),
    isolation: z
      .enum(["thread", "process"])
      .default("thread")
      .describe(
        "thread: a worker thread in the server's process (fast; for code you trust). process: each worker is its own sandboxed OS process (docs/isolation.md)",
      ),
    schedules: z
      .array(scheduleSchema)
      .max(100)
      .default([])
      .describe("Runs of the app's scheduled({ cron, scheduledTime }) handler, on the version /<name>/ serves"),
    concurrency: z.number().int().positive().default(100).describe("Most in-flight requests per worker"),
    maxWorkers: z.number().int().positive().default(1).describe("Most workers of this version at once"),
    maxQueue: z.number().int().min(0).default(100).describe("Requests waiting for a worker slot; beyond it, 503"),
    maxMemory: z
      .number()
      .positive()
      .optional()
      .describe("Heap in MB, measured inside the worker, above which it is recycled"),
  })
  .strict();

/** What an author writes: every field optional. */
export type WorkerConfigInput = z.input<typeof workerConfigSchema>;
/** What the runtime uses: defaults filled in. */
export type WorkerConfig = z.output<typeof workerConfigSchema>;

/**
 * Validates a worker config and fills in defaults; throws a `TypeError` naming the field.
 *
 * @example
 * // worker.config.ts
 * import { defineWorker } from "@buntime/sdk";
 * export default defineWorker({ timeout: 5, env: { GREETING: "hi" } });
 */
export function defineWorker(config: WorkerConfigInput): WorkerConfig {
  const result = workerConfigSchema.safeParse(config);
  if (!result.success) {
    throw new TypeError(`Invalid worker config: ${formatIssues(result.error)}`);
  }
  return result.data;
}
