import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import sdkPackage from "../package.json";

const SDK = join(import.meta.dir, "..");

/** The package's own files (and any dependency) that `entry` loads, from Bun's bundler. */
async function loaded(entry: string): Promise<string[]> {
  const result = await Bun.build({ entrypoints: [join(SDK, entry)], target: "bun", metafile: true });
  if (!result.success || !result.metafile) throw new Error(result.logs.map(String).join("\n"));
  return Object.keys(result.metafile.inputs);
}

describe("@buntime/sdk/app", () => {
  test("is an export of the package, the app module's own file", () => {
    expect(sdkPackage.exports["./app"]).toBe("./src/app.ts");
  });

  test("loads nothing but itself, where the package's root brings zod and croner", async () => {
    const app = await loaded(sdkPackage.exports["./app"]);
    expect(app).toHaveLength(1);
    expect(app[0]).toEndWith("sdk/src/app.ts");
    const root = await loaded(sdkPackage.exports["."]);
    expect(root.some((input) => input.includes("node_modules/zod/"))).toBe(true);
    expect(root.some((input) => input.includes("node_modules/croner/"))).toBe(true);
  });

  test("defineApp returns the app as it is", async () => {
    const { defineApp } = await import("./app.ts");
    const app = { fetch: () => new Response("hi") };
    expect(defineApp(app)).toBe(app);
  });
});
