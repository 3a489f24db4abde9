/**
 * The CLI's HTTP client for a running server: the URL and credential from flags or the
 * environment, and one clear line for each way a call fails (unreachable, 401/403, refused).
 */
import { CliError } from "./errors.ts";

/** Where the server is and how to authenticate, from flags over the environment. */
export interface Remote {
  url: URL;
  /** An API key or the admin token; undefined sends none. */
  key: string | undefined;
}

/** The default when neither `--url` nor BUNTIME_URL is given. */
export const DEFAULT_URL = "http://127.0.0.1:8000/";

/** `--url`/BUNTIME_URL and `--key`/BUNTIME_KEY (or BUNTIME_ADMIN_TOKEN). @throws CliError 2 for a bad URL */
export function remoteFrom(flags: { url?: string; key?: string }, env = process.env): Remote {
  const text = flags.url ?? env.BUNTIME_URL ?? DEFAULT_URL;
  let url: URL;
  try {
    url = new URL(text.endsWith("/") ? text : `${text}/`);
  } catch {
    throw new CliError(`--url must be a URL such as ${DEFAULT_URL}, got "${text}"`, 2);
  }
  return { url, key: flags.key ?? env.BUNTIME_KEY ?? env.BUNTIME_ADMIN_TOKEN ?? undefined };
}

/** Whether the user named a server (so `keys` works remotely instead of on the local store). */
export function namesRemote(flags: { url?: string }, env = process.env): boolean {
  return flags.url !== undefined || Boolean(env.BUNTIME_URL);
}

/**
 * Calls `path` on the server and returns the response when it is a success.
 * @throws CliError naming the server and what went wrong
 */
export async function call(remote: Remote, path: string, init: RequestInit = {}): Promise<Response> {
  const target = new URL(path.replace(/^\//, ""), remote.url);
  const headers = new Headers(init.headers);
  if (remote.key) headers.set("authorization", `Bearer ${remote.key}`);
  let res: Response;
  try {
    res = await fetch(target, { ...init, headers });
  } catch (error) {
    throw new CliError(`cannot reach the server at ${remote.url.origin}: ${(error as Error).message}`);
  }
  if (res.ok) return res;
  const { code, message } = await errorOf(res);
  if (res.status === 401) {
    throw new CliError(
      `${remote.url.origin} wants a credential (${message}): pass --key or set BUNTIME_KEY to an API key or the admin token`,
    );
  }
  if (res.status === 403 && code !== "ADMIN_LOCKED") {
    throw new CliError(`${remote.url.origin} refused: ${message} (a key with a higher role is needed)`);
  }
  throw new CliError(`${remote.url.origin} refused (${res.status}${code ? ` ${code}` : ""}): ${message}`);
}

async function errorOf(res: Response): Promise<{ code?: string; message: string }> {
  const text = await res.text();
  try {
    const body = JSON.parse(text) as { error?: { code?: string; message?: string } };
    if (body.error?.message) return { code: body.error.code, message: body.error.message };
  } catch {
    // not the runtime's JSON error: show the text
  }
  return { message: text.slice(0, 200) || res.statusText };
}
