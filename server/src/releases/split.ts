/**
 * Which version of a traffic split a sticky key lands on: weighted rendezvous (highest random
 * weight) hashing. Each version scores `weight / -ln(u)`, `u` a hash of (key, version) spread
 * over (0, 1); the highest score wins. A version then wins for a share of keys equal to its
 * share of the weights, a key always lands on the same version while the split is unchanged,
 * and when weights move, only keys whose winner lost weight (or whose loser gained it) move:
 * 90/10 → 80/20 moves about 10 % of keys, all from the 90 side (see split.test.ts).
 * Hand-written: a dozen lines, and the rendezvous packages on npm are unweighted or unkept.
 */

/** A split ready for picking: versions and weights in a fixed order. */
export interface CompiledSplit {
  readonly versions: readonly string[];
  readonly weights: readonly number[];
}

/** Orders a `{version: weight}` record (weights 0 dropped) for `pick`. */
export function compileSplit(traffic: Readonly<Record<string, number>>): CompiledSplit {
  const entries = Object.entries(traffic)
    .filter(([, weight]) => weight > 0)
    .sort(([a], [b]) => (a < b ? -1 : 1));
  return { versions: entries.map(([v]) => v), weights: entries.map(([, w]) => w) };
}

const TWO_32 = 2 ** 32;

/** `hash(key, version)` mapped to (0, 1), never 0 or 1 (so the log is finite and negative). */
function unit(key: string, version: string): number {
  return (Bun.hash.xxHash32(`${version}\u0000${key}`) + 0.5) / TWO_32;
}

/**
 * The version `key` lands on, among those `available` says exist (a version removed from disk
 * while still in the split is skipped; its keys spread over the rest by weight). Undefined when
 * none is available.
 */
export function pick(split: CompiledSplit, key: string, available?: (version: string) => boolean): string | undefined {
  let best: string | undefined;
  let bestScore = -1;
  for (let i = 0; i < split.versions.length; i++) {
    const version = split.versions[i] as string;
    if (available && !available(version)) continue;
    const score = (split.weights[i] as number) / -Math.log(unit(key, version));
    if (score > bestScore) {
      bestScore = score;
      best = version;
    }
  }
  return best;
}
