import { dirname, resolve } from "node:path";
import { formatIssues } from "@buntime/sdk";
import { z } from "zod";
import { parseJsonc } from "../apps/jsonc.ts";

const pluginEntry = z.union([z.string().min(1), z.tuple([z.string().min(1), z.record(z.string(), z.unknown())])]);

/** `buntime.jsonc` (docs/configuration.md#buntimejsonc). */
export const buntimeConfigSchema = z
  .object({
    $schema: z.string().optional(),
    required: z.array(z.string().min(1)).default([]),
    plugins: z.array(pluginEntry).default([]),
  })
  .strict();

export type BuntimeConfigInput = z.input<typeof buntimeConfigSchema>;

/**
 * Plugins that are required whenever they are listed: skipping a broken authn or authz with a
 * warning would serve every route unchecked.
 */
export const ALWAYS_REQUIRED = new Set(["@buntime/authn", "@buntime/authz"]);

/** One plugin entry, normalised. */
export interface PluginSpec {
  specifier: string;
  options: Record<string, unknown>;
  required: boolean;
}

export interface BuntimeConfig {
  /** Folder that relative plugin paths resolve from. */
  baseDir: string;
  plugins: PluginSpec[];
}

/** A config error; the message names the file, the field or the variable. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

/** Reads and validates a `buntime.jsonc` file. */
export async function loadBuntimeConfig(file: string): Promise<BuntimeConfig> {
  let text: string;
  try {
    text = await Bun.file(file).text();
  } catch {
    throw new ConfigError(`cannot read config file ${file}`);
  }
  let raw: unknown;
  try {
    raw = parseJsonc(text, file);
  } catch (error) {
    throw new ConfigError((error as Error).message);
  }
  return normaliseConfig(raw, dirname(resolve(file)), file);
}

/** Validates a config object (from a file or given inline, as the emulator does). */
export function normaliseConfig(raw: unknown, baseDir: string, source = "config"): BuntimeConfig {
  const result = buntimeConfigSchema.safeParse(raw);
  if (!result.success) {
    throw new ConfigError(`${source}: ${formatIssues(result.error)}`);
  }
  const required = new Set(result.data.required);
  const plugins = result.data.plugins.map((entry): PluginSpec => {
    const [specifier, options] = typeof entry === "string" ? [entry, {}] : entry;
    // The security plugins never fail open: listed at all, they are required.
    return { specifier, options, required: required.has(specifier) || ALWAYS_REQUIRED.has(specifier) };
  });
  for (const name of required) {
    if (!plugins.some((p) => p.specifier === name)) {
      throw new ConfigError(`${source}: required: "${name}" is not listed in plugins`);
    }
  }
  return { baseDir, plugins };
}

/**
 * Replaces `${VAR}` in every string of `value` (deeply) from `env`.
 * @throws ConfigError naming the first variable that is not set
 */
export function substituteEnv<T>(value: T, env: Record<string, string | undefined>, where: string): T {
  if (typeof value === "string") {
    return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => {
      const found = env[name];
      if (found === undefined) throw new ConfigError(`${where}: environment variable ${name} is not set`);
      return found;
    }) as T;
  }
  if (Array.isArray(value)) return value.map((item) => substituteEnv(item, env, where)) as T;
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, substituteEnv(item, env, `${where}.${key}`)]),
    ) as T;
  }
  return value;
}
