/**
 * Guest side: evaluates an app's `worker.config.ts` in a throwaway worker, so that app code
 * never runs on the main thread, and posts back its default export (structured-cloned).
 *
 * The config is imported from the message handler, not at this file's top level: a thread
 * stuck in a dynamically imported module (a loop, an await that never settles) still ends on
 * `terminate()`, which the host calls at its timeout (`apps/config-module.ts`).
 */
declare const self: Worker;

export {};

self.onmessage = async (event: MessageEvent<{ file: string }>) => {
  try {
    const module = await import(event.data.file);
    postMessage({ ok: true, config: structuredClone(module.default) });
  } catch (error) {
    postMessage({ ok: false, message: error instanceof Error ? error.message : String(error) });
  }
};
