import type { PluginFactory } from "@buntime/sdk";
import { authnPlugin } from "./authn/plugin.ts";
import { authzPlugin } from "./authz/plugin.ts";
import { metricsPlugin } from "./metrics/plugin.ts";

/** The plugins that ship inside the server, by the name a config uses. */
export const BUILTIN_PLUGINS: Record<string, PluginFactory | undefined> = {
  "@buntime/metrics": metricsPlugin,
  "@buntime/authn": authnPlugin,
  "@buntime/authz": authzPlugin,
};
