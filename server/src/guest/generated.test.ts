import { describe, expect, test } from "bun:test";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { openGuest } from "../../../test/support/guest.ts";
import { buildGuestEntry } from "./build-entry.ts";
import { GENERATED_ENTRY, GENERATED_SOURCES, hashSources, isFresh, parseSources, sourcesText } from "./generated.ts";
import { GUEST_ENTRY } from "./paths.ts";

const recorded = parseSources(readFileSync(GENERATED_SOURCES, "utf8"));

/** Starts a worker on `entry`; resolves with the type of its first message after `init` (a guest says "ready"). */
async function firstAnswer(entry: string): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), "buntime-generated-"));
  const guest = openGuest(entry, dir, "hi", `export default { fetch: () => new Response("hi") };\n`);
  try {
    return (await guest.next()).type;
  } finally {
    guest.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("the prebuilt guest entry", () => {
  test("the committed entry.generated.* are today's build of entry.ts (else: npm run build:guest)", () => {
    const build = buildGuestEntry();
    expect(build.code.equals(readFileSync(GENERATED_ENTRY))).toBe(true);
    expect(build.bytecode.equals(readFileSync(`${GENERATED_ENTRY}.jsc`))).toBe(true);
    expect(sourcesText(build.sources)).toBe(readFileSync(GENERATED_SOURCES, "utf8"));
  });

  test("is what app workers run: one module with its bytecode, static.ts left out", () => {
    expect(GUEST_ENTRY).toBe(pathToFileURL(GENERATED_ENTRY).href);
    const code = readFileSync(GENERATED_ENTRY, "utf8");
    expect(code.startsWith("// @bun @bytecode")).toBe(true);
    // Static apps alone load it, with node:fs: it stays a module of its own.
    expect(code).toContain('import("./static.ts")');
    expect(recorded?.inputs).toContain("entry.ts");
    expect(recorded?.inputs).not.toContain("static.ts");
  });

  test("is stale, and not used, once any source it was built from changes", () => {
    if (!recorded) throw new Error("entry.generated.json records no sources");
    expect(isFresh(recorded)).toBe(true);
    // The same inputs with one of them changed: its recorded hash no longer matches.
    const edited = { ...recorded, hash: hashSources(recorded.inputs.filter((input) => input !== "entry.ts")) };
    expect(isFresh(edited)).toBe(false);
    // A source that is gone, no source, or a record that says nothing readable.
    expect(isFresh({ ...recorded, inputs: ["gone.ts"] })).toBe(false);
    expect(isFresh({ inputs: [], hash: hashSources([]) })).toBe(false);
    expect(parseSources("{not json")).toBeUndefined();
    expect(parseSources('{"inputs": "entry.ts"}')).toBeUndefined();
  });

  test("an edited copy runs as edited: Bun uses the bytecode only for the text it was built from", async () => {
    const dir = mkdtempSync(join(tmpdir(), "buntime-generated-copy-"));
    try {
      const copy = join(dir, "entry.generated.js");
      cpSync(GENERATED_ENTRY, copy);
      cpSync(`${GENERATED_ENTRY}.jsc`, `${copy}.jsc`);
      expect(await firstAnswer(copy)).toBe("ready");
      writeFileSync(copy, readFileSync(copy, "utf8").replace('type: "ready"', 'type: "ready, edited"'));
      expect(await firstAnswer(copy)).toBe("ready, edited");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
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
