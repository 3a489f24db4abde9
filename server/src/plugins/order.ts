/** What ordering needs of a plugin. */
export interface Orderable {
  name: string;
  priority?: number;
  dependencies?: string[];
}

/** A missing dependency or a cycle; the message names the plugins. */
export class PluginOrderError extends Error {
  override readonly name = "PluginOrderError";
}

const DEFAULT_PRIORITY = 100;

/**
 * Orders plugins: by `priority` (lower first, stable for ties), except that a plugin always
 * runs after its `dependencies` (topological). Pure.
 * @throws PluginOrderError naming a missing dependency or the plugins of a cycle
 */
export function orderPlugins<T extends Orderable>(plugins: readonly T[]): T[] {
  const byName = new Map(plugins.map((p) => [p.name, p]));
  for (const plugin of plugins) {
    for (const dep of plugin.dependencies ?? []) {
      if (!byName.has(dep))
        throw new PluginOrderError(`plugin "${plugin.name}" depends on "${dep}", which is not loaded`);
    }
  }
  const ranked = plugins
    .map((plugin, index) => ({ plugin, index }))
    .sort(
      (a, b) => (a.plugin.priority ?? DEFAULT_PRIORITY) - (b.plugin.priority ?? DEFAULT_PRIORITY) || a.index - b.index,
    )
    .map(({ plugin }) => plugin);
  const done = new Set<string>();
  const result: T[] = [];
  // Kahn's algorithm, always taking the first ready plugin in priority order.
  while (result.length < ranked.length) {
    const next = ranked.find((p) => !done.has(p.name) && (p.dependencies ?? []).every((d) => done.has(d)));
    if (!next) {
      const stuck = ranked.filter((p) => !done.has(p.name)).map((p) => p.name);
      throw new PluginOrderError(`plugin dependency cycle among: ${stuck.join(", ")}`);
    }
    done.add(next.name);
    result.push(next);
  }
  return result;
}
