/**
 * A byte stream reader's part the runtime uses, by shape rather than as
 * `ReadableStreamDefaultReader`: that name means another type per tsconfig. An app's `bun init`
 * tsconfig (no lib "DOM") type-checks the runtime's files in node_modules, and there the global is
 * Bun's, with `readMany`, while `getReader()` returns Node's, without it.
 */
export interface BodyReader {
  read(): Promise<{ done: false; value: Uint8Array } | { done: true; value?: Uint8Array }>;
  cancel(): Promise<void>;
  releaseLock(): void;
}
