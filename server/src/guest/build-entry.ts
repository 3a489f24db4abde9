/**
 * Bundles the guest entry into `entry.generated.js`, with Bun's bytecode cache beside it and the
 * record of its sources (see generated.ts for why). `static.ts` stays a module of its own,
 * imported only by static apps (it brings node:fs). The bundle is written as Bun builds it: its
 * bytecode is for that exact text. Run as a script by `npm run build:guest`.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { type BundleSources, GENERATED_ENTRY, GENERATED_SOURCES, hashSources, sourcesText } from "./generated.ts";

const GUEST_DIR = import.meta.dir;
const REPO_ROOT = join(GUEST_DIR, "../../..");

/** What `npm run build:guest` writes: the bundle, its bytecode and its sources. */
export interface GuestBuild {
  code: Buffer;
  bytecode: Buffer;
  sources: BundleSources;
}

/**
 * Builds the bundle with the `bun build` CLI, from the repository's root: Bun names each module
 * in a comment by its path from the working directory, so the bundle (and its bytecode) is the
 * same wherever this runs. Throws with Bun's messages when it does not build.
 */
export function buildGuestEntry(): GuestBuild {
  const out = mkdtempSync(join(tmpdir(), "buntime-guest-build-"));
  try {
    const result = Bun.spawnSync(
      [
        process.execPath,
        "build",
        relative(REPO_ROOT, join(GUEST_DIR, "entry.ts")),
        "--target=bun",
        "--bytecode",
        `--external=${join(GUEST_DIR, "static.ts")}`,
        `--outdir=${out}`,
        `--metafile=${join(out, "meta.json")}`,
      ],
      { cwd: REPO_ROOT, stdout: "pipe", stderr: "pipe" },
    );
    if (result.exitCode !== 0) throw new Error(`the guest entry did not build: ${result.stderr.toString().trim()}`);
    const meta = JSON.parse(readFileSync(join(out, "meta.json"), "utf8")) as { inputs: Record<string, unknown> };
    // Metafile paths are relative to the root; the record's are relative to this folder.
    const inputs = Object.keys(meta.inputs)
      .map((input) => relative(GUEST_DIR, resolve(REPO_ROOT, input)))
      .sort();
    return {
      code: readFileSync(join(out, "entry.js")),
      bytecode: readFileSync(join(out, "entry.js.jsc")),
      sources: { inputs, hash: hashSources(inputs) },
    };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

if (import.meta.main) {
  const { code, bytecode, sources } = buildGuestEntry();
  writeFileSync(GENERATED_ENTRY, code);
  writeFileSync(`${GENERATED_ENTRY}.jsc`, bytecode);
  writeFileSync(GENERATED_SOURCES, sourcesText(sources));
  console.log(`wrote ${GENERATED_ENTRY} (${code.length} bytes), its bytecode (${bytecode.length}) and sources`);
}
