/**
 * How many apps and versions the runtime's figures keep (`/_/metrics`, the dashboard, the
 * Prometheus series of `@buntime/metrics`). Keys are what the catalogue held when a request was
 * served, never client text, and leave with their version's removal; these bounds are the
 * backstop for what removal does not catch (a request still in flight when its version went).
 */

/** Apps whose figures are kept: beyond it, the app first counted is forgotten. */
export const MAX_TRACKED_APPS = 500;

/** Versions of one app whose figures are kept: beyond it, the version first counted is forgotten. */
export const MAX_TRACKED_VERSIONS = 100;

/**
 * `map.set(key, value)` for a key not in `map`, then, over `max` entries, deletes the oldest
 * (insertion order, what a `Map` iterates first). Only new keys pay for it: recording into a
 * known key stays one lookup, and a `Map` that is not rewritten per request keeps no garbage alive
 * (bench/README.md, "Maps").
 */
export function addBounded<K, V>(map: Map<K, V>, key: K, value: V, max: number): V {
  map.set(key, value);
  if (map.size > max) {
    const oldest = map.keys().next();
    if (!oldest.done) map.delete(oldest.value);
  }
  return value;
}

/**
 * `addBounded`, forgetting over `max` the entry least recently used instead of the first counted:
 * `used` is a counter its owner bumps on every use (a number written, nothing allocated per
 * request). Forgetting the first counted dropped the busiest app's series, and they started
 * again from 1 under churn. The scan runs only when a new key passes the bound.
 */
export function addBoundedByUse<K, V extends { used: number }>(map: Map<K, V>, key: K, value: V, max: number): V {
  map.set(key, value);
  if (map.size > max) {
    let stalest: K | undefined;
    let stalestUse = Number.POSITIVE_INFINITY;
    for (const [other, entry] of map) {
      if (other !== key && entry.used < stalestUse) {
        stalest = other;
        stalestUse = entry.used;
      }
    }
    if (stalest !== undefined) map.delete(stalest);
  }
  return value;
}
