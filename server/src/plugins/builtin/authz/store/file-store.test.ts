import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { type PolicyEntry, parseEntries, parseEntry } from "../pdp/index.ts";
import { fileStore } from "./file-store.ts";
import { PolicyStore } from "./store.ts";

const WRITER = resolve(import.meta.dir, "../../../../../../fixtures/scripts/policy-writer.ts");

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "buntime-authz-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const file = (name: string) => join(dir, name);

function entry(id: string, extra: object = {}): PolicyEntry {
  const r = parseEntry({ id, effect: "permit", ...extra });
  if (!r.ok) throw new Error("invalid");
  return r.value;
}

async function open(path: string, createIfMissing = false): Promise<PolicyStore> {
  const store = new PolicyStore(fileStore(path, { createIfMissing }));
  await store.load();
  return store;
}

describe("the file store at start", () => {
  test("a missing file is an error unless createIfMissing", async () => {
    await expect(open(file("absent.json"))).rejects.toThrow(/absent\.json does not exist/);
  });

  test("with createIfMissing, a missing file (and folder) starts empty and is created", async () => {
    const path = file("new/policies.json");
    const store = await open(path, true);
    expect(store.list()).toEqual([]);
    expect(JSON.parse(readFileSync(path, "utf8"))).toEqual([]);
  });

  test.each([
    ["corrupt.json", '[{"id": "a", "effect": "permit"', "is not valid JSON"],
    ["empty.json", "", "is not valid JSON"],
    ["object.json", "{}", "invalid policies: $: policies are a JSON array"],
    ["invalid.json", '[{"id": "a", "effect": "allow"}]', "invalid policies: $[0].effect"],
  ])("%s is refused, naming the file and the problem, never read as empty", async (name, content, problem) => {
    writeFileSync(file(name), content);
    const error = (await open(file(name), true).catch((e) => e)) as Error;
    expect(error.message).toContain(file(name));
    expect(error.message).toContain(problem);
  });

  test("stale temp files of a killed writer are removed", async () => {
    const path = file("stale.json");
    writeFileSync(path, "[]");
    writeFileSync(file(".stale.json.123.abcd.tmp"), "[{");
    await open(path);
    expect(readdirSync(dir).filter((n) => n.startsWith(".stale.json."))).toEqual([]);
  });
});

describe("the file store's writes", () => {
  test("concurrent writes are serialised, and the file is valid JSON all along", async () => {
    const path = file("concurrent.json");
    const store = await open(path, true);
    const big = { description: "y".repeat(50_000) };
    let reading = true;
    let reads = 0;
    const reader = (async () => {
      while (reading) {
        expect(parseEntries(JSON.parse(readFileSync(path, "utf8"))).ok).toBe(true);
        reads++;
        await Bun.sleep(0);
      }
    })();
    await Promise.all(Array.from({ length: 40 }, (_, i) => store.add(entry(`p${i}`, big))));
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        i % 2 ? store.remove(`p${i}`) : store.put(entry(`p${i}`, { priority: i })),
      ),
    );
    reading = false;
    await reader;
    expect(reads).toBeGreaterThan(0);
    const ids = store.list().map((e) => e.id);
    expect(ids).toHaveLength(30);
    const onDisk = JSON.parse(readFileSync(path, "utf8")) as { id: string }[];
    expect(onDisk.map((p) => p.id)).toEqual(ids);
    expect((await open(path)).list().map((e) => e.id)).toEqual(ids);
  });

  test("a writer killed at any moment leaves the old file or the new, valid (20 kills)", async () => {
    const path = file("killed.json");
    let lastDone = -1;
    for (let round = 0; round < 20; round++) {
      const child = Bun.spawn([process.execPath, WRITER, path], { stdout: "pipe", stderr: "pipe" });
      const out = child.stdout.getReader();
      let text = "";
      while (!text.includes("ready\n")) {
        const { value, done } = await out.read();
        if (done) throw new Error(`writer exited early: ${await new Response(child.stderr).text()}`);
        text += new TextDecoder().decode(value);
      }
      await Bun.sleep(20 + Math.floor(Math.random() * 200));
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

      const parsed = parseEntries(JSON.parse(readFileSync(path, "utf8")));
      if (!parsed.ok) throw new Error(`round ${round}: invalid file: ${JSON.stringify(parsed.issues)}`);
      const generation = Math.max(
        -1,
        ...parsed.value.map((e) => Number(/^gen (\d+)/.exec((e.source as { description: string }).description)?.[1])),
      );
      // The file holds the last completed write, or the one in flight if its rename landed.
      expect([lastDone, lastBegun]).toContain(generation);
      lastDone = generation;
    }
  }, 60_000);
});

describe("the file store shared by the processes of a machine (BUNTIME_PROCESSES)", () => {
  test("two processes' stores adding at once keep every policy (read-modify-write under the lock file)", async () => {
    const path = file("shared/add.json");
    const [a, b] = [await open(path, true), await open(path, true)];
    await Promise.all(Array.from({ length: 10 }, (_, i) => [a.add(entry(`a${i}`)), b.add(entry(`b${i}`))]).flat());
    expect(JSON.parse(readFileSync(path, "utf8"))).toHaveLength(20);
    a.close();
    b.close();
  });

  test("a policy one removes stops holding in the other as the file changes (no restart, no poll)", async () => {
    const path = file("shared/revoke.json");
    const [a, b] = [await open(path, true), await open(path, true)];
    await a.add(entry("permit-readers"));
    const seen = (store: PolicyStore, ids: string[]) =>
      new Promise<void>((done) => {
        const check = (entries: readonly PolicyEntry[]) => {
          if (entries.map((e) => e.id).join() === ids.join()) done();
        };
        check(store.list());
        store.subscribe(check);
      });
    await seen(b, ["permit-readers"]);
    await a.remove("permit-readers");
    await seen(b, []);
    a.close();
    b.close();
  });
});
