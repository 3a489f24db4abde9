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
