/**
 * App secrets live in a version's `config.env`. No route or log line shows their values: the
 * names stay (so an operator can see what is set), every value becomes `"<redacted>"`.
 */

/** What every env value is shown as. */
export const REDACTED = "<redacted>";

/**
 * A copy of a worker config with its `env` values redacted; other fields unchanged.
 *
 * @example
 * redactConfig({ timeout: 30, env: { DATABASE_URL: "postgres://u:p@db" } });
 * // { timeout: 30, env: { DATABASE_URL: "<redacted>" } }
 */
export function redactConfig<T extends { env?: Record<string, unknown> }>(config: T): T {
  if (!config.env) return config;
  return { ...config, env: Object.fromEntries(Object.keys(config.env).map((name) => [name, REDACTED])) };
}
