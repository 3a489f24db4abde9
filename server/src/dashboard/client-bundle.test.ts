import { describe, expect, test } from "bun:test";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { clientScript } from "./client-bundle.ts";

const CLIENT = join(import.meta.dir, "client");

describe("the dashboard's client", () => {
  test("bundles at first use into one browser module, and only once", async () => {
    const first = clientScript();
    expect(clientScript()).toBe(first);
    const code = await first;
    expect(code.length).toBeGreaterThan(1000);
    // No import left for a browser to resolve: one self-contained file.
    expect(code).not.toMatch(/\bimport\s*[{*"']/);
    expect(code).toContain("/_/sse");
  });

  test("never writes markup from data: no innerHTML, outerHTML, insertAdjacentHTML or document.write", async () => {
    const files = (await readdir(CLIENT)).filter((name) => name.endsWith(".ts"));
    expect(files.length).toBeGreaterThan(5);
    for (const name of files) {
      const source = await Bun.file(join(CLIENT, name)).text();
      expect({ name, sinks: source.match(/\.(?:innerHTML|outerHTML|insertAdjacentHTML)\b|document\.write/g) }).toEqual({
        name,
        sinks: null,
      });
    }
  });
});
