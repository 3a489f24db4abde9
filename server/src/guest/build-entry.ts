/**
 * Bundles the guest entry into `entry.generated.js` (see generated.ts for why). `static.ts` stays
 * a module of its own, imported only by static apps (it brings node:fs). Run as a script by
 * `npm run build:guest`.
 */
import { join, relative, resolve } from "node:path";
import { bundleHeader, GENERATED_ENTRY, hashSources } from "./generated.ts";

const GUEST_DIR = import.meta.dir;
const ENTRY = join(GUEST_DIR, "entry.ts");
const REPO_ROOT = join(GUEST_DIR, "../../..");

/** The bundle's text (header and code), or throws with Bun's build messages. */
export async function buildGuestEntry(): Promise<string> {
  const result = await Bun.build({
    entrypoints: [ENTRY],
    target: "bun",
    external: [join(GUEST_DIR, "static.ts")],
    metafile: true,
  });
  const output = result.outputs[0];
  if (!result.success || !output || !result.metafile) {
    throw new Error(`the guest entry did not build: ${result.logs.map(String).join("\n")}`);
  }
  // Metafile paths are relative to the working directory; the header's are relative to this folder.
  const inputs = Object.keys(result.metafile.inputs)
    .map((input) => relative(GUEST_DIR, input))
    .sort();
  // Bun names each module in a comment, by its path from the working directory: from the
  // repository's root instead, so the bundle is the same wherever it is built.
  const code = (await output.text())
    .replace(/^\/\/ @bun\n/, "")
    .replace(/^\/\/ (.+\.ts)$/gm, (_, path: string) => `// ${relative(REPO_ROOT, resolve(path))}`);
  return `// @bun\n${bundleHeader({ inputs, hash: hashSources(inputs) })}${code}`;
}

if (import.meta.main) {
  const text = await buildGuestEntry();
  await Bun.write(GENERATED_ENTRY, text);
  console.log(`wrote ${GENERATED_ENTRY} (${text.length} bytes)`);
}
