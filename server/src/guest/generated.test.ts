import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { buildGuestEntry } from "./build-entry.ts";
import { bundleHeader, GENERATED_ENTRY, hashSources, isFresh, recordedSources } from "./generated.ts";
import { GUEST_ENTRY } from "./paths.ts";

const committed = readFileSync(GENERATED_ENTRY, "utf8");

describe("the prebuilt guest entry", () => {
  test("the committed entry.generated.js is today's build of entry.ts (else: npm run build:guest)", async () => {
    expect(await buildGuestEntry()).toBe(committed);
  });

  test("is what app workers run, with Bun's pragma first (no transpile) and static.ts left out", () => {
    expect(GUEST_ENTRY).toBe(pathToFileURL(GENERATED_ENTRY).href);
    expect(committed.startsWith("// @bun\n")).toBe(true);
    // Static apps alone load it, with node:fs: it stays a module of its own.
    expect(committed).toContain('import("./static.ts")');
    expect(committed).not.toMatch(/from "(node:)?fs"/);
    expect(recordedSources(committed)?.inputs).toContain("entry.ts");
  });

  test("is stale, and not used, once any source it was built from changes", () => {
    const sources = recordedSources(committed);
    if (!sources) throw new Error("the committed bundle records no sources");
    expect(isFresh(committed)).toBe(true);
    const code = committed.slice(committed.indexOf("\n", committed.indexOf("// sources: ")) + 1);
    // The same inputs with one of them changed: its recorded hash no longer matches.
    const edited = { ...sources, hash: hashSources(sources.inputs.filter((input) => input !== "entry.ts")) };
    expect(isFresh(`// @bun\n${bundleHeader(edited)}${code}`)).toBe(false);
    // A source that is gone, or a bundle that records nothing.
    expect(isFresh(`// @bun\n${bundleHeader({ ...sources, inputs: ["gone.ts"] })}${code}`)).toBe(false);
    expect(isFresh(code)).toBe(false);
    expect(recordedSources("// @bun\n// sources: {not json\n")).toBeUndefined();
  });

  test("under bun --watch (npm run dev), workers load the sources, so an edit reaches the next worker", async () => {
    const script = `import { GUEST_ENTRY } from ${JSON.stringify(join(import.meta.dir, "paths.ts"))}; console.log(GUEST_ENTRY);`;
    const watched = Bun.spawn([process.execPath, "--watch", "-e", script], { stdout: "pipe", stderr: "inherit" });
    try {
      const reader = watched.stdout.getReader();
      let out = "";
      while (!out.includes("\n")) {
        const { value, done } = await reader.read();
        if (done) break;
        out += new TextDecoder().decode(value);
      }
      expect(out.trim()).toBe(pathToFileURL(join(import.meta.dir, "entry.ts")).href);
    } finally {
      watched.kill();
      await watched.exited;
    }
  });
});
