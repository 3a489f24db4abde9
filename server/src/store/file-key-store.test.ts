import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileKeyStore, KEY_FILE } from "./file-key-store.ts";
import { type KeyRecord, keyFileSchema, StoreError } from "./keys.ts";

const WRITER = resolve(import.meta.dir, "../../../fixtures/scripts/key-writer.ts");

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "buntime-keys-"));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

let n = 0;
const freshDir = () => join(root, `d${n++}`);

function record(name: string, extra: Partial<KeyRecord> = {}): KeyRecord {
  return {
    name,
    role: "viewer",
    hash: "a".repeat(64),
    created: "2026-01-01T00:00:00.000Z",
    expires: null,
    lastUsed: null,
    ...extra,
  };
}

describe("fileKeyStore", () => {
  test("a missing file holds no keys; the first write makes a 0700 folder and a 0600 file", async () => {
    const dir = freshDir();
    const store = fileKeyStore(dir);
    expect(await store.list()).toEqual([]);
    await store.create(record("ci"));
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, KEY_FILE)).mode & 0o777).toBe(0o600);
    expect(keyFileSchema.parse(JSON.parse(readFileSync(join(dir, KEY_FILE), "utf8"))).keys).toEqual([record("ci")]);
  });

  test("create refuses a taken name with KEY_EXISTS; remove says whether there was one", async () => {
    const store = fileKeyStore(freshDir());
    await store.create(record("ci"));
    const error = await store.create(record("ci")).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).code).toBe("KEY_EXISTS");
    expect(await store.remove("ci")).toBe(true);
    expect(await store.remove("ci")).toBe(false);
    expect(await store.list()).toEqual([]);
  });

  test("another process's change is seen on the next list, and subscribers hear of it", async () => {
    const dir = freshDir();
    const server = fileKeyStore(dir);
    const cli = fileKeyStore(dir);
    await server.create(record("a"));
    expect((await server.list()).map((k) => k.name)).toEqual(["a"]);
    let heard = 0;
    server.subscribe(() => heard++);
    await cli.remove("a");
    expect(await server.list()).toEqual([]);
    expect(heard).toBe(1);
  });

  test("concurrent writers through two stores lose nothing (the lock)", async () => {
    const dir = freshDir();
    const one = fileKeyStore(dir);
    const two = fileKeyStore(dir);
    await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? one : two).create(record(`k${i}`))));
    expect((await one.list()).map((k) => k.name).sort()).toEqual(Array.from({ length: 20 }, (_, i) => `k${i}`).sort());
  });

  test("touch sets lastUsed of keys that exist and ignores others", async () => {
    const store = fileKeyStore(freshDir());
    await store.create(record("a"));
    await store.touch(
      new Map([
        ["a", "2026-02-02T00:00:00.000Z"],
        ["gone", "2026-02-02T00:00:00.000Z"],
      ]),
    );
    expect(await store.list()).toEqual([record("a", { lastUsed: "2026-02-02T00:00:00.000Z" })]);
  });

  test("a corrupt file is an error naming it, never an empty key set", async () => {
    const dir = freshDir();
    const store = fileKeyStore(dir);
    await store.create(record("a"));
    writeFileSync(join(dir, KEY_FILE), "{ not json");
    const error = (await store.list().catch((e: unknown) => e)) as StoreError;
    expect(error.code).toBe("STORE_CORRUPT");
    expect(error.message).toContain(join(dir, KEY_FILE));
  });

  test("a lock left by a killed writer (a dead pid, or empty) is taken over", async () => {
    const dir = freshDir();
    const store = fileKeyStore(dir);
    await store.create(record("a"));
    const dead = Bun.spawnSync([process.execPath, "-e", "0"]).pid;
    writeFileSync(join(dir, `${KEY_FILE}.lock`), String(dead));
    await store.create(record("b"));
    writeFileSync(join(dir, `${KEY_FILE}.lock`), "");
    await store.create(record("c"));
    expect((await store.list()).map((k) => k.name)).toEqual(["a", "b", "c"]);
  });

  test("a writer killed at any moment leaves the old file or the new, valid (20 kills)", async () => {
    const dir = freshDir();
    const path = join(dir, KEY_FILE);
    let lastDone = -1;
    for (let round = 0; round < 20; round++) {
      const child = Bun.spawn([process.execPath, WRITER, dir], { stdout: "pipe", stderr: "pipe" });
      const out = child.stdout.getReader();
      let text = "";
      while (!text.includes("ready\n")) {
        const { value, done } = await out.read();
        if (done) throw new Error(`writer exited early: ${await new Response(child.stderr).text()}`);
        text += new TextDecoder().decode(value);
      }
      await Bun.sleep(20 + Math.floor(Math.random() * 150));
      child.kill("SIGKILL");
      await child.exited;
      for (;;) {
        const { value, done } = await out.read();
        if (done) break;
        text += new TextDecoder().decode(value);
      }
      const begun = [...text.matchAll(/^begin (\d+)$/gm)].map((m) => Number(m[1]));
      const done = [...text.matchAll(/^done (\d+)$/gm)].map((m) => Number(m[1]));
      lastDone = done.at(-1) ?? lastDone;
      const lastBegun = begun.at(-1) ?? lastDone;

      const keys = keyFileSchema.parse(JSON.parse(readFileSync(path, "utf8"))).keys;
      expect(keys).toHaveLength(200);
      const generations = new Set(keys.map((k) => Date.parse(k.lastUsed ?? "")));
      // One write sets every key: a torn file would mix generations.
      expect(generations.size).toBe(1);
      const [generation] = generations;
      expect([lastDone, lastBegun]).toContain(generation as number);
      lastDone = generation as number;
    }
    expect(readdirSync(dir).filter((name) => name.endsWith(".tmp")).length).toBeLessThanOrEqual(1);
  }, 90_000);
});
