/**
 * Evaluates an app's `worker.config.ts` in a throwaway loader thread (`guest/config-loader.ts`),
 * so that app code never runs on the main thread. The config is app code: it may post anything
 * to the host, loop forever at its top level, await what never settles or exit. Each ends the
 * load with APP_CONFIG_INVALID, and the thread is always terminated: a loader left running
 * spins a core for good (issue 12).
 *
 * Terminating works on a loader stuck in the config's top-level code because the loader
 * evaluates it through a dynamic `import()` from its message handler (measured in Bun 1.4.5:
 * a `while (true) {}` config's thread closes within ~3 ms of `terminate()`, CPU back to idle).
 * A config blocked in a system call (`Bun.sleepSync`) cannot be interrupted by a thread's
 * `terminate()`; its load still fails at the timeout, and the thread ends with the process.
 */
import { z } from "zod";
import { BuntimeError } from "../errors.ts";
import { CONFIG_LOADER } from "../guest/paths.ts";
import { bounded } from "../util/bounded.ts";

/** How long a config may take to evaluate before its load fails and its thread is terminated. */
export const CONFIG_LOAD_TIMEOUT_MS = 10_000;

/** Characters of the config's own error text kept in the refusal (it reaches clients and logs). */
const MESSAGE_CHARS = 1024;

/** What the loader answers: the config's default export (structured-cloned), or why not. */
const loaderReply = z.discriminatedUnion("ok", [
  z.object({ ok: z.literal(true), config: z.unknown() }),
  z.object({ ok: z.literal(false), message: z.string() }),
]);

/** Loader threads not closed yet, each as the promise of its `close`. */
const live = new Set<Promise<void>>();

/**
 * The loader threads still alive, and a promise that resolves once every one of them has
 * closed (for tests: a load that failed must not leave a thread behind).
 */
export function configLoaderThreads(): { live: number; closed: Promise<void> } {
  return { live: live.size, closed: Promise.all(live).then(() => {}) };
}

/**
 * The default export of the config module `file`, evaluated in a loader thread with an empty
 * environment.
 * @throws BuntimeError APP_CONFIG_INVALID: the module threw, did not finish within `timeoutMs`,
 * posted something of its own, or its thread exited before answering.
 */
export function evaluateConfigModule(file: string, timeoutMs = CONFIG_LOAD_TIMEOUT_MS): Promise<unknown> {
  const { promise, resolve, reject } = Promise.withResolvers<unknown>();
  const worker = new Worker(CONFIG_LOADER, { env: {} });
  const closed = new Promise<void>((resolveClosed) => {
    worker.addEventListener("close", () => {
      live.delete(closed);
      resolveClosed();
      fail("its thread exited before answering");
    });
  });
  live.add(closed);
  let settled = false;
  // Real time, not the pool's clock: it bounds a real thread.
  const timer = setTimeout(
    () => fail(`not evaluated within ${timeoutMs} ms (a loop or an await that never ends?)`),
    timeoutMs,
  );
  /** Ends the load once, whichever way; the thread is terminated on every path. */
  const settle = (end: () => void) => {
    if (settled) return;
    settled = true;
    clearTimeout(timer);
    worker.terminate();
    end();
  };
  function fail(message: string): void {
    settle(() =>
      reject(new BuntimeError("APP_CONFIG_INVALID", `worker.config.ts: ${bounded(message, MESSAGE_CHARS)}`)),
    );
  }
  // Whatever arrives here, nothing may throw: this runs on the main thread.
  worker.onmessage = (event: MessageEvent<unknown>) => {
    const reply = loaderReply.safeParse(event.data);
    if (!reply.success) return fail("it posted a message of its own; a config may not post to the runtime");
    const answer = reply.data;
    if (answer.ok) settle(() => resolve(answer.config));
    else fail(answer.message);
  };
  worker.onerror = (event) => fail(event.message || "the loader failed");
  worker.postMessage({ file });
  return promise;
}
