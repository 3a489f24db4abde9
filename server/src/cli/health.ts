/**
 * `buntime health [--url URL]`: asks the server's `/_/health` and exits 0 when it answers 200,
 * 1 otherwise. The container image's HEALTHCHECK runs it: the image holds no curl or wget, and
 * the binary can ask for itself.
 */
import { call, remoteFrom } from "./client.ts";

/** How long the check waits for an answer (a health check must not hang). */
const TIMEOUT_MS = 5000;

/**
 * Runs `health`; resolves with the server's answer. Without `--url` or BUNTIME_URL it asks this
 * machine's server on PORT (8000 when unset), so it works in the server's own environment.
 * @throws CliError when the server is unreachable or not healthy
 */
export async function healthCommand(flags: { url?: string }, env = process.env): Promise<string> {
  const url = flags.url ?? env.BUNTIME_URL ?? `http://127.0.0.1:${env.PORT || 8000}/`;
  const res = await call(remoteFrom({ url }, {}), "/_/health", { signal: AbortSignal.timeout(TIMEOUT_MS) });
  return (await res.text()).trim();
}
