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
    if (segments.some(isForbiddenSegment)) return notFound();
    if (segments.some(isHidden) || isConfigFile(segments)) return notFound();
    const pathname = segments.join("/");
    const file = resolveInside(root, pathname);
    if (file === null) return notFound();
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

/**
 * The app's own config at the folder's root (an `index.html` entrypoint serves the app folder
 * itself): `worker.jsonc` holds the app's `env`, its secrets included.
 */
function isConfigFile(segments: string[]): boolean {
  return segments.length === 2 && WORKER_CONFIG_FILES.includes(segments[1] as string);
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
