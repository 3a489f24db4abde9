/**
 * Where the guest entrypoints are, for `new Worker(...)`. From source they sit beside this file,
 * the app workers' entry as its prebuilt bundle when that is fresh (generated.ts). Both builds
 * list them as extra entrypoints: in a `bun build --compile` binary (`npm run build:bin`) they
 * are embedded under the bundle's root and must be named by their path from that root; in
 * `npm run build`'s `dist/` they are `guest/*.js` beside the server's `index.js`.
 */
import { basename } from "node:path";
import { pathToFileURL } from "node:url";
import { freshGeneratedEntry } from "./generated.ts";

const COMPILED = import.meta.url.includes("$bunfs");
/** Bundled into `dist/index.js` by `npm run build`: this module is no longer its own file. */
const BUNDLED = !COMPILED && basename(import.meta.path) !== "paths.ts";

function guest(file: string): string {
  if (COMPILED) return `./guest/${file}`;
  if (BUNDLED) return new URL(`./guest/${file.replace(/\.ts$/, ".js")}`, import.meta.url).href;
  return new URL(`./${file}`, import.meta.url).href;
}

/**
 * Under `bun --watch` or `--hot` (`npm run dev`) the sources: the server is not restarted when
 * only a file the workers load changes, and each new worker must load the guest as edited.
 */
const WATCHED = process.execArgv.some((flag) => flag === "--watch" || flag === "--hot");

/** The entry's own source, whatever GUEST_ENTRY is (for builds of it: isolation/app-runtime.ts). */
export const GUEST_ENTRY_SOURCE = guest("entry.ts");

function appEntry(): string {
  const generated = COMPILED || BUNDLED || WATCHED ? undefined : freshGeneratedEntry();
  return generated ? pathToFileURL(generated).href : GUEST_ENTRY_SOURCE;
}

/** The entry every app worker runs. */
export const GUEST_ENTRY = appEntry();
/** The throwaway worker that evaluates `worker.config.ts`. */
export const CONFIG_LOADER = guest("config-loader.ts");
