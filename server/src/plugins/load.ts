import { isAbsolute, resolve } from "node:path";
import { formatIssues, type Plugin, pluginSchema } from "@buntime/sdk";
import { type BuntimeConfig, type PluginSpec, substituteEnv } from "../config/buntime-config.ts";
import type { Logger } from "../util/log.ts";
import { BUILTIN_PLUGINS } from "./builtin/index.ts";
import { orderPlugins } from "./order.ts";

/** Plugins in run order, and which of them the config requires. */
export interface LoadedPlugins {
  plugins: Plugin[];
  required: ReadonlySet<Plugin>;
}

/** A required plugin failed, or the plugins cannot be ordered: the server must not start. */
export class PluginLoadError extends Error {
  override readonly name = "PluginLoadError";
}

/**
 * Loads every plugin of a config: built-ins by name, anything else as a module resolved from the
 * config's folder. A required plugin that fails throws PluginLoadError naming it (the server
 * exits 2); any other is skipped with a warning. Returns them in run order.
 */
export async function loadPlugins(
  config: BuntimeConfig,
  options: { env: Record<string, string | undefined>; logger: Logger },
): Promise<LoadedPlugins> {
  const loaded: Plugin[] = [];
  const required = new Set<Plugin>();
  for (const spec of config.plugins) {
    try {
      const plugin = await loadOne(spec, config.baseDir, options.env);
      loaded.push(plugin);
      if (spec.required) required.add(plugin);
    } catch (error) {
      const message = `plugin ${spec.specifier}: ${(error as Error).message}`;
      if (spec.required) throw new PluginLoadError(message);
      options.logger.warn(`skipping plugin: ${message}`, { plugin: spec.specifier });
    }
  }
  try {
    return { plugins: orderPlugins(loaded), required };
  } catch (error) {
    throw new PluginLoadError((error as Error).message);
  }
}

async function loadOne(spec: PluginSpec, baseDir: string, env: Record<string, string | undefined>): Promise<Plugin> {
  const options = substituteEnv(spec.options, env, spec.specifier);
  const builtin = BUILTIN_PLUGINS[spec.specifier];
  const exported = builtin ? await builtin() : await importPlugin(spec.specifier, baseDir);
  const candidate: unknown = typeof exported === "function" ? await exported(options) : exported;
  const result = pluginSchema.safeParse(candidate);
  if (!result.success) {
    throw new Error(`not a plugin: ${formatIssues(result.error, "(plugin)")}`);
  }
  // The object itself, not `result.data`: parsing copies known keys only, and a plugin's hooks
  // may rely on `this` or on fields of their own.
  return candidate as Plugin;
}

async function importPlugin(specifier: string, baseDir: string): Promise<unknown> {
  const path =
    specifier.startsWith(".") || isAbsolute(specifier)
      ? resolve(baseDir, specifier)
      : Bun.resolveSync(specifier, baseDir);
  const module = await import(path);
  return module.default ?? module;
}
