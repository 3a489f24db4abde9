import { isAppName, isVersionFolder } from "./resolve.ts";

/**
 * `name@version`: how an app version is named everywhere, in map keys, the `x-buntime-app`
 * header, logs, stats and error messages. Unambiguous because an app name cannot contain `@`.
 */
export type VersionKey = `${string}@${string}`;

/** The key of `name` at `version`. */
export function versionKey(name: string, version: string): VersionKey {
  return `${name}@${version}`;
}

/** Keys of version objects already asked for (see `keyOf`). */
const keys = new WeakMap<{ name: string; version: string }, VersionKey>();

/**
 * The key of a loaded version (an `AppVersion`), made once per object: the request path names
 * the version it serves three times (the pool's map, `x-buntime-app` to the app and to the
 * client), and a lookup by object is cheaper than a new string to make and hash each time.
 */
export function keyOf(app: { readonly name: string; readonly version: string }): VersionKey {
  let key = keys.get(app);
  if (key === undefined) {
    key = versionKey(app.name, app.version);
    keys.set(app, key);
  }
  return key;
}

/** Splits a key made by `versionKey` back into its name and version. */
export function splitKey(key: VersionKey): [name: string, version: string] {
  const at = key.indexOf("@");
  return [key.slice(0, at), key.slice(at + 1)];
}

/**
 * Reads a key a user wrote (the emulator's `apps` map): undefined unless the name is a valid
 * app name and the version a canonical semver, as app folders must be.
 */
export function parseVersionKey(text: string): [name: string, version: string] | undefined {
  const at = text.indexOf("@");
  if (at <= 0) return undefined;
  const name = text.slice(0, at);
  const version = text.slice(at + 1);
  return isAppName(name) && isVersionFolder(version) ? [name, version] : undefined;
}
