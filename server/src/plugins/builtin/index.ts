import type { PluginFactory } from "@buntime/sdk";

/**
 * The plugins that ship inside the server, by the name a config uses, each loaded when a config
 * names it: a server without authn and authz does not carry jose and the XACML engine in its
 * heap (about 1.2 MB, marked by every full collection of the main thread).
 */
export const BUILTIN_PLUGINS: Record<string, (() => Promise<PluginFactory>) | undefined> = {
  "@buntime/metrics": async () => (await import("./metrics/plugin.ts")).metricsPlugin,
  "@buntime/authn": async () => (await import("./authn/plugin.ts")).authnPlugin,
  "@buntime/authz": async () => (await import("./authz/plugin.ts")).authzPlugin,
};
