/**
 * Where the guest entrypoints are, for `new Worker(...)`. From source they sit beside this file,
 * the app workers' entry as its prebuilt bundle when that is fresh (generated.ts); in a
 * `bun build --compile` binary (`npm run build:bin`, which lists them as extra entrypoints) they
 * are embedded under the bundle's root and must be named by their path from that root.
 */
import { pathToFileURL } from "node:url";
import { freshGeneratedEntry } from "./generated.ts";

const COMPILED = import.meta.url.includes("$bunfs");

function guest(file: string): string {
  return COMPILED ? `./guest/${file}` : new URL(`./${file}`, import.meta.url).href;
}

/**
 * Under `bun --watch` or `--hot` (`npm run dev`) the sources: the server is not restarted when
 * only a file the workers load changes, and each new worker must load the guest as edited.
 */
const WATCHED = process.execArgv.some((flag) => flag === "--watch" || flag === "--hot");

/** The entry's own source, whatever GUEST_ENTRY is (for builds of it: isolation/app-runtime.ts). */
export const GUEST_ENTRY_SOURCE = guest("entry.ts");

function appEntry(): string {
  const generated = COMPILED || WATCHED ? undefined : freshGeneratedEntry();
  return generated ? pathToFileURL(generated).href : GUEST_ENTRY_SOURCE;
}

/** The entry every app worker runs. */
export const GUEST_ENTRY = appEntry();
/** The throwaway worker that evaluates `worker.config.ts`. */
export const CONFIG_LOADER = guest("config-loader.ts");
