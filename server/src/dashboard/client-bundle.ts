/**
 * The dashboard's browser code: `client/*.ts` bundled into one browser module. A Bun macro
 * (`assets.ts` imports it `with { type: "macro" }`): it runs when `assets.ts` is bundled
 * (`npm run build`, `npm run build:bin`, whose binary has no `client/` folder to build from) or,
 * from source, when Bun transpiles it at start; the script is then a string in the code. Nothing
 * to remember at install or start.
 *
 * A failed build is returned, not thrown: from source, a syntax error in the client shows up as
 * one failed asset (and in `client-bundle.test.ts`), never as a server that will not start.
 */
import { join } from "node:path";

const ENTRY = join(import.meta.dir, "client", "main.ts");

/** The bundled client (ES module, minified), or why it did not build. */
export type ClientBundle = { code: string } | { error: string };

/**
 * Bundles the client. The `bun build` CLI in a child process: a macro cannot call `Bun.build`
 * while the bundler that runs it waits for it.
 */
export function bundleClient(): ClientBundle {
  const result = Bun.spawnSync([process.execPath, "build", ENTRY, "--target=browser", "--format=esm", "--minify"], {
    stdout: "pipe",
    stderr: "pipe",
  });
  if (result.exitCode !== 0) {
    return { error: `the dashboard client did not build: ${result.stderr.toString().trim()}` };
  }
  return { code: result.stdout.toString() };
}
