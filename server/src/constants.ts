import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import { resolve } from "node:path";
import { formatIssues } from "@buntime/sdk";
import { z } from "zod";
import { parseHost } from "./admin/own-host.ts";
import { LOG_LEVELS } from "./util/log.ts";

/** Parses `10mb`, `512kb`, `1gb` or a plain byte count. */
export function parseByteSize(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)?$/i.exec(text.trim());
  if (!match) return undefined;
  const units = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 } as const;
  const unit = (match[2]?.toLowerCase() ?? "b") as keyof typeof units;
  return Math.floor(Number(match[1]) * units[unit]);
}

const byteSize = z.string().transform((text, ctx) => {
  const bytes = parseByteSize(text);
  if (bytes === undefined || bytes <= 0) {
    ctx.addIssue({ code: "custom", message: `expected a size such as 10mb, got "${text}"` });
    return z.NEVER;
  }
  return bytes;
});

const intFrom = (min: number, max: number) =>
  z.string().regex(/^\d+$/, "expected a whole number").transform(Number).pipe(z.number().int().min(min).max(max));

/** The server's environment (docs/configuration.md#environment), validated once at start. */
export const envSchema = z.object({
  PORT: intFrom(0, 65535).default(8000),
  HOST: z.string().min(1).default("0.0.0.0"),
  APPS_DIR: z.string().min(1).default("./fixtures/apps"),
  BUNTIME_CONFIG: z.string().min(1).optional(),
  POOL_SIZE: intFrom(1, 100_000).default(100),
  MAX_BODY_SIZE: byteSize.default(10 * 1024 ** 2),
  SHUTDOWN_TIMEOUT: intFrom(0, 3600).default(10),
  /**
   * Seconds a client connection may sit with no request in progress before the server closes
   * it. 75 (nginx's keepalive_timeout) outlasts the 60 s idle timeout of common load balancers,
   * so the balancer, not the runtime, closes a connection it pools. At most 255: Bun's limit.
   */
  HTTP_IDLE_TIMEOUT: intFrom(1, 255).default(75),
  LOG_LEVEL: z.enum(LOG_LEVELS).default("info"),
  /** A bearer token with role admin (docs/admin.md). Never logged, never passed to apps. */
  BUNTIME_ADMIN_TOKEN: z
    .string()
    .min(16, "must be at least 16 characters (e.g. the output of openssl rand -base64 32)")
    .optional(),
  /**
   * The least isolation every app gets (docs/configuration.md#isolation): `process` runs every
   * app's workers as sandboxed processes, whatever their config says; `thread` lets each app
   * choose.
   */
  BUNTIME_ISOLATION: z.enum(["thread", "process"]).default("thread"),
  /**
   * The dashboard's own host (docs/dashboard.md#a-host-of-its-own), `host[:port]`: the dashboard
   * and its sessions only there, apps never there. Unset: one host for both.
   */
  DASHBOARD_HOST: z
    .string()
    .transform((value, ctx) => {
      const host = parseHost(value);
      if (host === undefined) {
        ctx.addIssue({
          code: "custom",
          message: `expected a host name with an optional port (admin.example.com:8443), got "${value}"`,
        });
        return z.NEVER;
      }
      return host;
    })
    .optional(),
  /** The unprivileged user app processes run as when the server is root (docs/security.md). */
  BUNTIME_APP_USER: z.string().min(1).default("nobody"),
  /** Where the server keeps its state, the key store's file among it (docs/admin.md). */
  BUNTIME_DATA_DIR: z.string().min(1).default("./.buntime"),
  /**
   * The shared store (docs/cluster.md): unset keeps state in files on this node; a
   * `postgres://` (or `postgresql://`) URL shares deployments, policies and keys between nodes.
   */
  BUNTIME_STORE: z
    .string()
    .regex(/^postgres(?:ql)?:\/\//, "must be a postgres:// URL (or unset for files)")
    // The message never quotes the value: it holds the database's password.
    .refine((url) => URL.canParse(url), "is not a valid URL (its host, port or encoding)")
    .optional(),
  /** This node's name in stats, metrics, logs and `/_/cluster`; default host name + pid. */
  BUNTIME_NODE_ID: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, "letters, digits, . _ - (at most 128)")
    .optional(),
  /**
   * Server processes on this machine sharing PORT (docs/cluster.md#processes): a whole number, or
   * `auto` for one per core. The supervisor starts them and restarts a crashed one.
   */
  BUNTIME_PROCESSES: z.union([z.literal("auto").transform(() => availableParallelism()), intFrom(1, 256)]).default(1),
});

export type ServerEnv = z.output<typeof envSchema>;

/** Thrown by `loadEnv`; the message names the variable. */
export class EnvError extends Error {
  override readonly name = "EnvError";
}

/**
 * Reads the server's settings from `env` (default: `process.env`). Empty strings count as unset.
 * @throws EnvError naming every invalid variable
 */
export function loadEnv(env: Record<string, string | undefined> = process.env): ServerEnv {
  const picked: Record<string, string> = {};
  for (const key of Object.keys(envSchema.shape)) {
    const value = env[key];
    if (value !== undefined && value !== "") picked[key] = value;
  }
  const result = envSchema.safeParse(picked);
  if (!result.success) {
    throw new EnvError(`Invalid environment: ${formatIssues(result.error)}`);
  }
  const parsed = result.data;
  if (parsed.BUNTIME_CONFIG === undefined && existsSync("buntime.jsonc")) {
    parsed.BUNTIME_CONFIG = resolve("buntime.jsonc");
  }
  return { ...parsed, APPS_DIR: resolve(parsed.APPS_DIR), BUNTIME_DATA_DIR: resolve(parsed.BUNTIME_DATA_DIR) };
}
