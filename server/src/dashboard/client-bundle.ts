/**
 * The dashboard's browser code: `client/*.ts`, bundled by `Bun.build` the first time it is asked
 * for and kept for the life of the server. Nothing to remember at install or start, and a
 * syntax error in the client shows up as one failed asset (and in `client-bundle.test.ts`),
 * never as a server that will not start.
 */
import { join } from "node:path";

const ENTRY = join(import.meta.dir, "client", "main.ts");

let built: Promise<string> | undefined;

/** The bundled client script (ES module, minified). Builds once; a failed build is retried next time. */
export function clientScript(): Promise<string> {
  built ??= build().catch((error) => {
    built = undefined;
    throw error;
  });
  return built;
}

async function build(): Promise<string> {
  const result = await Bun.build({ entrypoints: [ENTRY], target: "browser", format: "esm", minify: true });
  const output = result.outputs[0];
  if (!result.success || !output) {
    throw new Error(`the dashboard client did not build: ${result.logs.map(String).join("; ")}`);
  }
  return output.text();
}
