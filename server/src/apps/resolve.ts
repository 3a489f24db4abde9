// semver's functions one by one: its index loads all 47 of its modules into every server (and
// emulator) start; these need 13.
import eq from "semver/functions/eq";
import prerelease from "semver/functions/prerelease";
import rsort from "semver/functions/rsort";
import valid from "semver/functions/valid";
import maxSatisfying from "semver/ranges/max-satisfying";
import validRange from "semver/ranges/valid";

/** The outcome of resolving `/<name>[@<range>]` against the versions on disk. */
export type Resolution = { ok: true; version: string } | { ok: false; code: "INVALID_VERSION" | "VERSION_NOT_FOUND" };

/**
 * The longest range accepted: semver's own limit for a version string. Longer ones are
 * INVALID_VERSION without parsing (parsing a 1 KB range costs ~0.1 ms; clients choose them).
 */
export const MAX_RANGE_LENGTH = 256;

/**
 * Picks the version that serves a request (docs/routes.md#app-routes). Pure: no I/O.
 *
 * - no range: the highest stable version, or the highest prerelease when none is stable;
 * - an exact version: that version only;
 * - a range (`1`, `1.2`, `^1.2.0`, `~1.2`, …): the highest version that satisfies it, with
 *   semver's own prerelease rule (a prerelease matches only a range that names its tuple);
 * - anything longer than MAX_RANGE_LENGTH: INVALID_VERSION.
 */
export function resolveVersion(versions: readonly string[], range?: string): Resolution {
  if (range === undefined) {
    const stable = rsort(versions.filter((v) => prerelease(v) === null));
    const pick = stable[0] ?? rsort([...versions])[0];
    return pick === undefined ? { ok: false, code: "VERSION_NOT_FOUND" } : { ok: true, version: pick };
  }
  if (range.length > MAX_RANGE_LENGTH) return { ok: false, code: "INVALID_VERSION" };
  const exact = valid(range);
  if (exact !== null) {
    const found = versions.find((v) => eq(v, exact));
    return found === undefined ? { ok: false, code: "VERSION_NOT_FOUND" } : { ok: true, version: found };
  }
  if (range.trim() === "" || validRange(range) === null) {
    return { ok: false, code: "INVALID_VERSION" };
  }
  const best = maxSatisfying([...versions], range);
  return best === null ? { ok: false, code: "VERSION_NOT_FOUND" } : { ok: true, version: best };
}

const APP_NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;

/** `<name>` as docs/configuration.md#apps-on-disk allows it. */
export function isAppName(name: string): boolean {
  return APP_NAME.test(name);
}

/** `<version>`: a valid semver written in its canonical form (so `v1.0.0` is not a version folder). */
export function isVersionFolder(version: string): boolean {
  return valid(version) === version;
}

/**
 * Whether a change to `file` (a path inside a version's folder) changes the app. What
 * `bun install` writes (autoInstall: `node_modules`, `bun.lock` and its `.lock-*.tmp` files) and
 * other dotfiles do not. The catalogue's watch and the emulator's follow it alike.
 */
export function isAppChange(file: string): boolean {
  const top = file.split(/[\\/]/)[0] ?? "";
  return !(top === "node_modules" || top.startsWith(".") || /^bun\.lockb?$/.test(top));
}
