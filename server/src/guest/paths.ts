/**
 * Where the guest entrypoints are, for `new Worker(...)`. From source they sit beside this file;
 * in a `bun build --compile` binary (`npm run build:bin`, which lists them as extra entrypoints)
 * they are embedded under the bundle's root and must be named by their path from that root.
 */
const COMPILED = import.meta.url.includes("$bunfs");

function guest(file: string): string {
  return COMPILED ? `./guest/${file}` : new URL(`./${file}`, import.meta.url).href;
}

/** The entry every app worker runs. */
export const GUEST_ENTRY = guest("entry.ts");
/** The throwaway worker that evaluates `worker.config.ts`. */
export const CONFIG_LOADER = guest("config-loader.ts");
