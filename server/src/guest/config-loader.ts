/**
 * Guest side: evaluates an app's `worker.config.ts` in a throwaway worker, so that app code
 * never runs on the main thread, and posts back its default export (structured-cloned).
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
