import { BuntimeError, errorCodeOf } from "../errors.ts";
import type { WorkerPool } from "../pool/pool.ts";
import type { Runner } from "./scheduler.ts";

/** A run has no client: this stands where a request's URL would (no one sees it). */
const NO_URL = "http://scheduled.invalid/";

/**
 * Runs the app's `scheduled` handler through the pool, like a request (`scheduled` in the
 * forwarded request): queued for a slot, a worker started when none is alive, bounded by the
 * app's `timeout` (504 APP_TIMEOUT: `timeout`). Anything else not 2xx is an `error`.
 */
export function poolRunner(pool: WorkerPool): Runner {
  return async (app, event) => {
    let response: Response;
    try {
      response = await pool.dispatch(app, { request: new Request(NO_URL), url: NO_URL, headers: {}, scheduled: event });
    } catch (error) {
      const code = error instanceof BuntimeError ? error.code : undefined;
      return {
        outcome: code === "APP_TIMEOUT" ? "timeout" : "error",
        error: String((error as Error).message ?? error),
      };
    }
    if (response.ok) {
      await response.body?.cancel();
      return { outcome: "ok" };
    }
    const body = (await response.json().catch(() => undefined)) as { error?: { message?: string } } | undefined;
    const error = body?.error?.message ?? `status ${response.status}`;
    return { outcome: errorCodeOf(response) === "APP_TIMEOUT" ? "timeout" : "error", error };
  };
}
