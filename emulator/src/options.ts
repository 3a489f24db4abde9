import { formatIssues } from "@buntime/sdk";
import { envSchema, LOG_LEVELS, parseVersionKey } from "@buntime/server";
import { z } from "zod";

/** `name@version` as the runtime reads app folders. */
const isAppKey = (key: string): boolean => parseVersionKey(key) !== undefined;

/** The server's default for one of its variables, read from its schema (never restated here). */
function serverDefault<K extends "POOL_SIZE" | "MAX_BODY_SIZE">(name: K): number {
  return envSchema.shape[name].parse(undefined);
}

/** `createEmulator` options: one schema; the runtime's limits default to the server's own. */
export const emulatorOptionsSchema = z
  .object({
    /** A folder laid out like APPS_DIR, or a map `"name@version"` → app folder. */
    apps: z.union([
      z.string().min(1),
      z.record(z.string().refine(isAppKey, "expected name@version"), z.string().min(1)),
    ]),
    /** The extension config: a `buntime.jsonc` path or the object itself. Default: no plugins. */
    config: z.union([z.string().min(1), z.record(z.string(), z.unknown())]).optional(),
    /** Where `${VAR}` in plugin options comes from. Default: `process.env`. */
    env: z.record(z.string(), z.string()).optional(),
    /** TCP port on 127.0.0.1; 0 picks a free one. A port in use falls back to a free one. */
    port: z.number().int().min(0).max(65535).default(0),
    /** A module whose default export is an array of msw handlers, installed inside every worker. */
    mocks: z.string().min(1).optional(),
    /** `virtual`: the pool's lifecycle time moves only with `emu.clock.advance()`. */
    clock: z.enum(["real", "virtual"]).default("real"),
    /** Most live workers, as POOL_SIZE. */
    poolSize: z.number().int().positive().default(serverDefault("POOL_SIZE")),
    /** Request body limit in bytes, as MAX_BODY_SIZE. */
    maxBodySize: z.number().int().positive().default(serverDefault("MAX_BODY_SIZE")),
    /** Start-up must finish within this, or `createEmulator` rejects naming what it waited for. */
    startTimeoutMs: z.number().int().positive().default(10_000),
    /** Log level of the runtime's JSON lines (the server's LOG_LEVEL values); default silent, unlike the server. */
    logLevel: z.enum(LOG_LEVELS).default("silent"),
  })
  .strict();

export type EmulatorOptions = z.input<typeof emulatorOptionsSchema>;
export type ResolvedEmulatorOptions = z.output<typeof emulatorOptionsSchema>;

/** Bad options or a failed start; `code` says which. */
export class EmulatorError extends Error {
  override readonly name = "EmulatorError";
  constructor(
    readonly code: "INVALID_OPTIONS" | "START_TIMEOUT" | "START_FAILED" | "DISPOSED",
    message: string,
  ) {
    super(message);
  }
}

/** Parses options; throws EmulatorError INVALID_OPTIONS naming every bad field. */
export function parseEmulatorOptions(options: unknown): ResolvedEmulatorOptions {
  const result = emulatorOptionsSchema.safeParse(options);
  if (!result.success) {
    throw new EmulatorError("INVALID_OPTIONS", `createEmulator: ${formatIssues(result.error, "(options)")}`);
  }
  return result.data;
}
