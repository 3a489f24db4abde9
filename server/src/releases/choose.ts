/**
 * Which version an app request goes to once releases are set (docs/releases.md): for
 * `/<name>/`, the traffic split when set (sticky per client), else `latest` when set, else the
 * catalogue's default; for `/<name>@<tag>/`, the tagged version; any other range as it is.
 */
import { parse as parseCookies } from "hono/utils/cookie";
import type { AppRoute } from "./releases.ts";
import { pick } from "./split.ts";

/** The header a client names its sticky key with (wins over the cookie). */
export const STICKY_HEADER = "x-buntime-sticky";
/** The cookie a client without the header sticks by; set when it has neither. */
export const STICKY_COOKIE = "buntime-sticky";
/** Longer sticky keys are cut to this (they are only hashed). */
const MAX_STICKY_CHARS = 256;

/** The range to resolve instead of the path's, and a sticky key to set as a cookie. */
export interface Choice {
  range: string | undefined;
  /** A new sticky key (the client had none): the response sets the cookie. */
  newSticky: string | undefined;
}

/**
 * The choice for a request to `route`'s app. `versions`: what is on disk (a version removed
 * while tagged or in the split is skipped: the split picks among the rest, `latest` falls back).
 */
export function chooseRange(
  route: AppRoute,
  range: string | undefined,
  headers: Headers,
  versions: readonly string[],
): Choice {
  if (range !== undefined) {
    // Own keys only: a range such as `constructor` must not find Object.prototype's.
    return { range: Object.hasOwn(route.tags, range) ? route.tags[range] : range, newSticky: undefined };
  }
  if (route.split) {
    let key = stickyKey(headers);
    const newSticky = key === undefined ? crypto.randomUUID() : undefined;
    key ??= newSticky as string;
    const version = pick(route.split, key, (v) => versions.includes(v));
    if (version !== undefined) return { range: version, newSticky };
  }
  if (route.latest !== undefined && versions.includes(route.latest))
    return { range: route.latest, newSticky: undefined };
  return { range: undefined, newSticky: undefined };
}

function stickyKey(headers: Headers): string | undefined {
  const header = headers.get(STICKY_HEADER);
  if (header) return header.slice(0, MAX_STICKY_CHARS);
  const cookie = headers.get("cookie");
  if (!cookie) return undefined;
  const value = parseCookies(cookie, STICKY_COOKIE)[STICKY_COOKIE];
  return value ? value.slice(0, MAX_STICKY_CHARS) : undefined;
}

/** The `set-cookie` value for a new sticky key, scoped to the app's path. */
export function stickyCookie(name: string, key: string): string {
  return `${STICKY_COOKIE}=${key}; Path=/${name}; HttpOnly; SameSite=Lax`;
}
