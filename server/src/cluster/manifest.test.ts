import { afterEach, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CacheManifest, MANIFEST_FILE } from "./manifest.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), "buntime-manifest-"));
  dirs.push(dir);
  return dir;
};
const SHA = "a".repeat(64);

test("what a node installed survives its restart; the last of quick writes wins", async () => {
  const dir = tempDir();
  const manifest = new CacheManifest(dir);
  void manifest.set("a@1.0.0", SHA);
  void manifest.set("b@1.0.0", SHA);
  await manifest.delete("b@1.0.0");
  expect(JSON.parse(readFileSync(join(dir, MANIFEST_FILE), "utf8"))).toEqual({ "a@1.0.0": SHA });
  expect(new CacheManifest(dir).get("a@1.0.0")).toBe(SHA);
});

test("a missing, corrupt or invalid manifest knows nothing (every version is installed again)", () => {
  const dir = tempDir();
  expect(new CacheManifest(dir).get("a@1.0.0")).toBeUndefined();
  writeFileSync(join(dir, MANIFEST_FILE), "{");
  expect(new CacheManifest(dir).get("a@1.0.0")).toBeUndefined();
  writeFileSync(join(dir, MANIFEST_FILE), JSON.stringify({ "a@1.0.0": "not a sha" }));
  expect(new CacheManifest(dir).get("a@1.0.0")).toBeUndefined();
});

test("two processes sharing APPS_DIR: each change keeps the other's, and reload takes it in", async () => {
  const dir = tempDir();
  const [one, two] = [new CacheManifest(dir), new CacheManifest(dir)];
  await one.set("a@1.0.0", SHA);
  await two.set("b@1.0.0", SHA);
  expect(JSON.parse(readFileSync(join(dir, MANIFEST_FILE), "utf8"))).toEqual({ "a@1.0.0": SHA, "b@1.0.0": SHA });
  expect(one.get("b@1.0.0")).toBeUndefined();
  one.reload();
  expect(one.get("b@1.0.0")).toBe(SHA);
});

test("two processes changing it at the same moment lose neither's change (the lock file)", async () => {
  const dir = tempDir();
  const [one, two] = [new CacheManifest(dir), new CacheManifest(dir)];
  await Promise.all(
    Array.from({ length: 20 }, (_, i) => [one.set(`a@1.0.${i}`, SHA), two.set(`b@1.0.${i}`, SHA)]).flat(),
  );
  const stored = JSON.parse(readFileSync(join(dir, MANIFEST_FILE), "utf8"));
  expect(Object.keys(stored)).toHaveLength(40);
});
