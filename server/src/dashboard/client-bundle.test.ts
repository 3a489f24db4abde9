import { describe, expect, test } from "bun:test";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { bundleClient, GENERATED } from "./client-bundle.ts";

const CLIENT = join(import.meta.dir, "client");

describe("the dashboard's client", () => {
  test("bundles into one self-contained browser module", () => {
    const bundle = bundleClient();
    if (!("code" in bundle)) throw new Error(bundle.error);
    expect(bundle.code.length).toBeGreaterThan(1000);
    // No import left for a browser to resolve: one self-contained file.
    expect(bundle.code).not.toMatch(/\bimport\s*[{*"']/);
    expect(bundle.code).toContain("/_/sse");
  });

  test("the committed client.generated.js is the bundle of today's client/ (else: npm run build:dashboard)", async () => {
    const bundle = bundleClient();
    if (!("code" in bundle)) throw new Error(bundle.error);
    expect(await Bun.file(GENERATED).text()).toBe(bundle.code);
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
