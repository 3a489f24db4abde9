import { realpathSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { isInside } from "../util/paths.ts";
import { WORKER_CONFIG_FILES } from "../util/worker-config-files.ts";

const CACHEABLE = /\.[0-9a-f]{8,}\./; // fingerprinted asset names

/**
 * Serves the folder of an `.html` entrypoint: files by path with Bun's content types, the
 * folder's `index.html` for a directory, and the entrypoint itself for any unknown path
 * (single-page apps). Nothing outside the folder is ever read: the decoded path is resolved
 * and checked, and so is its real path (links).
 */
export function createStaticHandler(entrypoint: string): (request: Request) => Response {
  const root = realpathSync(dirname(entrypoint));
  // The app's own config, when the served folder is the app folder (an `index.html` at its
  // root): `worker.jsonc` holds the app's `env`, its secrets included. Judged by the file a path
  // resolves to, not by how it is written (`/worker.jsonc/` and `//worker.jsonc` name it too).
  const configs = new Set(WORKER_CONFIG_FILES.map((name) => join(root, name)));
  return (request) => {
    if (request.method !== "GET" && request.method !== "HEAD") {
      return new Response("Method Not Allowed", { status: 405, headers: { allow: "GET, HEAD" } });
    }
    let segments: string[];
    try {
      segments = new URL(request.url).pathname.split("/").map(decodeURIComponent);
    } catch {
      return new Response("Bad Request", { status: 400 });
    }
    // Decoded one segment at a time, and none may decode to a separator or a dot segment: the
    // guards judge the path with `%2F` still encoded (as routers read it), so a whole-path decode
    // turned `/public/..%2Fprivate/x`, which an exemption of `/public/**` covers, into `/private/x`.
    // Such a path, or one through a dotfile, names no file here: the single-page app's fallback
    // (a deep link such as `/repos/owner%2Fname` is the app's to read), read from no other file.
    let file: string | null | undefined;
    if (!segments.some(isForbiddenSegment) && !segments.some(isHidden)) {
      file = resolveInside(root, segments.join("/"));
      if (file === null) return notFound();
      if (file !== undefined && configs.has(file)) file = undefined;
    }
    const target = file ?? entrypoint;
    const response = new Response(request.method === "HEAD" ? null : Bun.file(target), {
      headers: {
        "content-type": Bun.file(target).type,
        "cache-control": CACHEABLE.test(target) ? "public, max-age=31536000, immutable" : "no-cache",
      },
    });
    return response;
  };
}

/** A decoded segment that would change which folder the path names, or that no file name holds. */
function isForbiddenSegment(segment: string): boolean {
  return segment === "." || segment === ".." || /[/\\\0]/.test(segment);
}

/**
 * A dotfile or dot folder (`.env`, `.git/`, `.npmrc`): never served, as static servers do by
 * default, except `.well-known/`, which exists to be served.
 */
function isHidden(segment: string): boolean {
  return segment.startsWith(".") && segment !== ".well-known";
}

const notFound = () => new Response("Not Found", { status: 404, headers: { "content-type": "text/plain" } });

/**
 * The file `pathname` names inside `root`; `undefined` when there is none (serve the
 * fallback); `null` when the path tries to leave `root` (refuse).
 */
function resolveInside(root: string, pathname: string): string | undefined | null {
  const candidate = resolve(root, `.${pathname}`);
  if (!isInside(root, candidate)) return null;
  for (const file of [candidate, join(candidate, "index.html")]) {
    let real: string;
    try {
      real = realpathSync(file);
    } catch {
      continue;
    }
    if (!isInside(root, real)) return null;
    if (statSync(real).isFile()) return real;
  }
  return undefined;
}
