/**
 * Small DOM and HTTP helpers for the dashboard's client. Data from the server is only ever put
 * in the page as text (`textContent`, never `innerHTML`), so a log line or a config value that
 * looks like markup stays text.
 */

/** The header every state-changing request carries (a cross-site form cannot send one). */
export const CSRF_HEADERS = { "x-buntime-csrf": "1" } as const;

/** The element with `id`, or throws: a page without it is a bug in the page, not in the data. */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (!found) throw new Error(`the page has no #${id}`);
  return found as T;
}

/** The element with `id`, if the page has it (write controls exist only for a deployer). */
export function maybeId<T extends HTMLElement = HTMLElement>(id: string): T | null {
  return document.getElementById(id) as T | null;
}

/** A new element holding `text` as text. */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  text?: string,
  className?: string,
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className) node.className = className;
  return node;
}

/** A same-origin request with the session cookie and, for writes, the CSRF header. */
export function api(method: string, path: string, body?: unknown): Promise<Response> {
  const headers: Record<string, string> = method === "GET" ? {} : { ...CSRF_HEADERS };
  if (body !== undefined) headers["content-type"] = "application/json";
  return fetch(path, {
    method,
    headers,
    credentials: "same-origin",
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

/** The server's message in an error answer (`{"error":{"code","message"}}`), or its status. */
export async function errorText(response: Response): Promise<string> {
  return errorTextOf(response.status, await response.text().catch(() => ""));
}

/** The same from a status and a body already read (an XMLHttpRequest's). */
export function errorTextOf(status: number, body: string): string {
  try {
    const parsed = JSON.parse(body) as { error?: { code?: string; message?: string } };
    if (parsed.error?.message) return `${parsed.error.code ?? status}: ${parsed.error.message}`;
  } catch {
    // Not JSON: fall through to the status.
  }
  return `HTTP ${status}`;
}

/** The app a page is about (`data-app` on body), if any. */
export function pageApp(): string | undefined {
  return document.body.dataset.app || undefined;
}

/** Whether the page offers write controls (the server decides this, and refuses writes anyway). */
export function canWrite(): boolean {
  return document.body.dataset.canWrite === "1";
}

/** `/_/deployments/<name>/<version>` with both parts encoded. */
export function deploymentPath(name: string, version: string): string {
  return `/_/deployments/${encodeURIComponent(name)}/${encodeURIComponent(version)}`;
}
