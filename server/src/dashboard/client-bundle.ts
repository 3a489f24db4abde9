/**
 * The dashboard's browser code: `client/*.ts` bundled into one browser module, committed as
 * `client.generated.js` (as the SDK commits `worker.schema.json`), which `assets.ts` imports as
 * text. So the script is in the code from source, from an installed package and inside the
 * compiled binary alike, with nothing to build at install or start. (A Bun macro did the same
 * from source, but Bun refuses to run macros from `node_modules`: an installed
 * `@buntime/server` would not start.) `client-bundle.test.ts` fails when the committed file is
 * stale; `npm run build:dashboard` (this file run as a script) writes it anew.
 */
import { join } from "node:path";

const ENTRY = join(import.meta.dir, "client", "main.ts");
/** The committed bundle (see above). */
export const GENERATED = join(import.meta.dir, "client.generated.js");

/** The bundled client (ES module, minified), or why it did not build. */
export type ClientBundle = { code: string } | { error: string };

/** Bundles the client (the `bun build` CLI, so the output is what a user's build would give). */
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

if (import.meta.main) {
  const bundle = bundleClient();
  if (!("code" in bundle)) {
    console.error(bundle.error);
    process.exit(1);
  }
  await Bun.write(GENERATED, bundle.code);
  console.log(`wrote ${GENERATED} (${bundle.code.length} bytes)`);
}
