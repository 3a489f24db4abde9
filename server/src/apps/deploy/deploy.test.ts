import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { existsSync, readdirSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { tarGz, zip } from "../../../../test/support/archives.ts";
import { BuntimeError } from "../../errors.ts";
import { Deployer } from "./deploy.ts";

const APP = (text: string) => `export default { fetch: () => new Response(${JSON.stringify(text)}) };\n`;
const STAGING = ".buntime-staging";
/** How long a request that must not wait for an upload may take on a loaded machine (it takes ms). */
const BOUND_MS = 10_000;
const TEST_TIMEOUT_MS = 20_000;

let appsDir: string;
let deployer: Deployer;
beforeEach(async () => {
  appsDir = await mkdtemp(join(tmpdir(), "buntime-deployer-"));
  deployer = new Deployer(appsDir);
});
afterEach(() => rm(appsDir, { recursive: true, force: true }));

/** A stream of `bytes` in one chunk: a whole upload. */
function whole(bytes: Uint8Array): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      controller.enqueue(bytes);
      controller.close();
    },
  });
}

/**
 * An upload that sends its first `head` bytes, then waits for `finish()` before the rest:
 * `stalled` resolves once the reader has taken the head and asked for more.
 */
function trickle(bytes: Uint8Array, head: number) {
  const stalled = Promise.withResolvers<void>();
  const release = Promise.withResolvers<void>();
  let sentHead = false;
  const stream = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (!sentHead) {
          sentHead = true;
          controller.enqueue(bytes.subarray(0, head));
          return;
        }
        stalled.resolve();
        await release.promise;
        controller.enqueue(bytes.subarray(head));
        controller.close();
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, stalled: stalled.promise, finish: () => release.resolve() };
}

/** An upload that sends `head` bytes, then fails as Bun fails a body whose client closed the connection. */
function cutOff(bytes: Uint8Array, head: number, failure: unknown): ReadableStream<Uint8Array> {
  let sent = false;
  return new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (sent) return controller.error(failure);
        sent = true;
        controller.enqueue(bytes.subarray(0, head));
      },
    },
    { highWaterMark: 0 },
  );
}

/** `promise`, or a rejection naming `what` once `ms` pass: a bound, so a deadlock fails instead of hanging. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const bound = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms);
  });
  return Promise.race([promise, bound]).finally(() => clearTimeout(timer));
}

/** Everything under APPS_DIR, staging leftovers included. */
const tree = () => readdirSync(appsDir, { recursive: true }).map(String).sort();

async function deployed(name: string, version: string, text: string): Promise<void> {
  const archive = await tarGz([{ name: "index.ts", content: APP(text) }]);
  await deployer.deploy(name, version, whole(archive), "application/gzip", false);
}

describe("Deployer: an upload cut off before its end", () => {
  test("is the client's fault: DEPLOYMENT_INVALID (400), and nothing on disk changes", async () => {
    await deployed("kept", "1.0.0", "kept");
    const before = tree();
    const archive = await tarGz([{ name: "index.ts", content: APP("x".repeat(50_000)) }]);
    const closed = new DOMException("The connection was closed.", "AbortError");
    for (const replace of [false, true]) {
      const name = replace ? "kept" : "new-app";
      const deploying = deployer.deploy(name, "1.0.0", cutOff(archive, 100, closed), "application/gzip", replace);
      const error = await deploying.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(BuntimeError);
      expect(error).toMatchObject({ code: "DEPLOYMENT_INVALID", status: 400 });
      expect(tree()).toEqual(before);
    }
    expect(readdirSync(join(appsDir, STAGING))).toEqual([]);
    expect(await readFile(join(appsDir, "kept/1.0.0/index.ts"), "utf8")).toContain("kept");
  });

  test("a zip cut off while it is spooled: the same 400", async () => {
    const archive = zip([{ name: "index.ts", content: APP("zipped") }]);
    const closed = new DOMException("The connection was closed.", "AbortError");
    const deploying = deployer.deploy("zipped", "1.0.0", cutOff(archive, 30, closed), "application/zip", false);
    await expect(deploying).rejects.toMatchObject({ code: "DEPLOYMENT_INVALID", status: 400 });
    expect(existsSync(join(appsDir, "zipped"))).toBe(false);
    expect(readdirSync(join(appsDir, STAGING))).toEqual([]);
  });

  test("the HTTP layer's own refusal of the body keeps its code (413 BODY_TOO_LARGE)", async () => {
    const archive = await tarGz([{ name: "index.ts", content: APP("big") }]);
    const tooLarge = new BuntimeError("BODY_TOO_LARGE", "request body over 10 bytes");
    const deploying = deployer.deploy("big", "1.0.0", cutOff(archive, 10, tooLarge), "application/gzip", false);
    await expect(deploying).rejects.toBe(tooLarge);
    expect(existsSync(join(appsDir, "big"))).toBe(false);
  });
});

describe("Deployer: a slow upload holds no lock while it is read", () => {
  test(
    "a DELETE of the same version answers at once, before the upload finishes; the upload then lands",
    async () => {
      await deployed("slowpoke", "1.0.0", "old");
      const upload = trickle(await tarGz([{ name: "index.ts", content: APP("new") }]), 20);
      const putting = deployer.deploy("slowpoke", "1.0.0", upload.stream, "application/gzip", true);
      await upload.stalled; // the deployer is reading the body, and waits for more
      await within(deployer.remove("slowpoke", "1.0.0"), BOUND_MS, "the DELETE");
      expect(existsSync(join(appsDir, "slowpoke/1.0.0"))).toBe(false);
      upload.finish();
      // The version was removed meanwhile, so the PUT creates it.
      expect(await putting).toEqual({ created: true });
      expect(await readFile(join(appsDir, "slowpoke/1.0.0/index.ts"), "utf8")).toContain("new");
      expect(readdirSync(join(appsDir, STAGING))).toEqual([]);
    },
    TEST_TIMEOUT_MS,
  );

  test(
    "another deployment of the same version is not held up either: the last to finish wins",
    async () => {
      const slow = trickle(await tarGz([{ name: "index.ts", content: APP("slow") }]), 20);
      const slowPut = deployer.deploy("race", "1.0.0", slow.stream, "application/gzip", true);
      await slow.stalled;
      const fast = await tarGz([{ name: "index.ts", content: APP("fast") }]);
      const fastPut = deployer.deploy("race", "1.0.0", whole(fast), "application/gzip", true);
      expect(await within(fastPut, BOUND_MS, "the second PUT")).toEqual({ created: true });
      slow.finish();
      expect(await slowPut).toEqual({ created: false });
      expect(await readFile(join(appsDir, "race/1.0.0/index.ts"), "utf8")).toContain("slow");
      expect(readdirSync(join(appsDir, STAGING))).toEqual([]);
    },
    TEST_TIMEOUT_MS,
  );

  test("a POST onto an existing version is refused (409) without reading its body", async () => {
    await deployed("taken", "1.0.0", "first");
    let pulled = false;
    const body = new ReadableStream<Uint8Array>(
      {
        pull() {
          pulled = true;
        },
      },
      { highWaterMark: 0 },
    );
    const posting = deployer.deploy("taken", "1.0.0", body, "application/gzip", false);
    await expect(posting).rejects.toMatchObject({ code: "DEPLOYMENT_EXISTS" });
    expect(pulled).toBe(false);
  });

  test("a POST whose version appeared while it was uploading is refused (409) and leaves the other in place", async () => {
    const slow = trickle(await tarGz([{ name: "index.ts", content: APP("second") }]), 20);
    const slowPost = deployer.deploy("late", "1.0.0", slow.stream, "application/gzip", false);
    await slow.stalled;
    await deployed("late", "1.0.0", "first");
    slow.finish();
    await expect(slowPost).rejects.toMatchObject({ code: "DEPLOYMENT_EXISTS" });
    expect(await readFile(join(appsDir, "late/1.0.0/index.ts"), "utf8")).toContain("first");
    expect(readdirSync(join(appsDir, STAGING))).toEqual([]);
  });
});

describe("Deployer: the last version's removal beside another version's deploy", () => {
  test(
    "never takes the other version with it (the app folder goes only when empty)",
    async () => {
      const next = await tarGz([{ name: "index.ts", content: APP("next") }]);
      for (let round = 0; round < 40; round++) {
        const old = `1.0.${round}`;
        const fresh = `2.0.${round}`;
        await deployed("race", old, "old");
        // Sweep the removal's start across the deploy's steps (one more turn each round), so
        // that some round lands it between the deploy's folder check and its rename.
        const deploying = deployer.deploy("race", fresh, whole(next), "application/gzip", false);
        for (let turn = 0; turn < round; turn++) await new Promise((resolve) => setImmediate(resolve));
        await Promise.all([deployer.remove("race", old), deploying]);
        expect(existsSync(join(appsDir, "race", fresh, "index.ts"))).toBe(true);
        await deployer.remove("race", fresh);
      }
      expect(existsSync(join(appsDir, "race"))).toBe(false);
    },
    TEST_TIMEOUT_MS * 3,
  );
});

/** A pid that ran and has ended. */
async function deadPid(): Promise<number> {
  const child = Bun.spawn(["true"]);
  await child.exited;
  return child.pid;
}

describe("Deployer: kills mid-way, and several processes on one APPS_DIR", () => {
  test(
    "a replacement swaps the folders in one step: a reader in another process never finds the version missing",
    async () => {
      await deployed("swap", "1.0.0", "v0");
      const target = join(appsDir, "swap", "1.0.0");
      const stop = join(appsDir, ".stop");
      const reader = Bun.spawn(
        [
          process.execPath,
          "-e",
          `const { existsSync } = require("node:fs"); let n = 0, missing = 0;
           while (!existsSync(${JSON.stringify(stop)})) { n++; if (!existsSync(${JSON.stringify(target)})) missing++; }
           console.log(JSON.stringify({ n, missing }));`,
        ],
        { stdout: "pipe" },
      );
      for (let i = 1; i <= 20; i++) {
        const archive = await tarGz([{ name: "index.ts", content: APP(`v${i}`) }]);
        await deployer.deploy("swap", "1.0.0", whole(archive), "application/gzip", true);
      }
      await Bun.write(stop, "");
      const { n, missing } = JSON.parse(await new Response(reader.stdout).text()) as { n: number; missing: number };
      expect(n).toBeGreaterThan(100); // the reader was looking while the replacements went on
      expect(missing).toBe(0);
      expect(await readFile(join(target, "index.ts"), "utf8")).toBe(APP("v20"));
      expect(readdirSync(join(appsDir, STAGING))).toEqual([]);
    },
    TEST_TIMEOUT_MS,
  );

  test("a version a replacement killed between its two renames had moved aside is put back at the next start", async () => {
    // What a replacement leaves where the folders cannot be swapped, killed after the first rename.
    const aside = join(appsDir, STAGING, `${await deadPid()}-x.old@hello@1.0.0`);
    await Bun.write(join(aside, "index.ts"), APP("old"));
    await Bun.write(join(appsDir, STAGING, `${await deadPid()}-x`, "index.ts"), APP("new, never acknowledged"));
    await deployer.sweep();
    expect(await readFile(join(appsDir, "hello", "1.0.0", "index.ts"), "utf8")).toBe(APP("old"));
    expect(readdirSync(join(appsDir, STAGING))).toEqual([]);
  });

  test("an aside whose version is in place (the new one landed before the kill) is only removed", async () => {
    await deployed("hello", "1.0.0", "new");
    await Bun.write(join(appsDir, STAGING, `${await deadPid()}-x.old@hello@1.0.0`, "index.ts"), APP("old"));
    await deployer.sweep();
    expect(await readFile(join(appsDir, "hello", "1.0.0", "index.ts"), "utf8")).toBe(APP("new"));
    expect(readdirSync(join(appsDir, STAGING))).toEqual([]);
  });

  test("the start-up sweep leaves a running sibling's upload alone and removes what dead processes left", async () => {
    const sibling = Bun.spawn(["sleep", "30"]);
    try {
      const live = `${sibling.pid}-upload`;
      const entries = [live, `${await deadPid()}-upload`, `${process.pid}-predecessor`, "no-pid-at-all"];
      // An older server's names: a uuid, whose leading digits are no pid (0: our group; 1: init).
      entries.push("0a1b2c3d-e5f6-4a5b-8c9d-0e1f2a3b4c5d", "1f2e3d4c-b5a6-4978-8a6b-5c4d3e2f1a0b");
      for (const entry of entries) await Bun.write(join(appsDir, STAGING, entry, "index.ts"), APP(entry));
      // A lock held by a predecessor with this pid would be waited on for good; a live sibling's stays.
      await Bun.write(join(appsDir, ".buntime-locks", "hello@1.0.0.lock"), String(process.pid));
      await Bun.write(join(appsDir, ".buntime-locks", "hello@2.0.0.lock"), String(sibling.pid));
      await deployer.sweep();
      expect(readdirSync(join(appsDir, STAGING))).toEqual([live]);
      expect(readdirSync(join(appsDir, ".buntime-locks"))).toEqual(["hello@2.0.0.lock"]);
    } finally {
      sibling.kill();
    }
  });

  test("where the folders cannot be swapped, a replacement takes two renames and leaves nothing aside", async () => {
    const noSwap = new Deployer(appsDir, {}, () => false);
    await deployed("hello", "1.0.0", "old");
    const archive = await tarGz([{ name: "index.ts", content: APP("new") }]);
    expect(await noSwap.deploy("hello", "1.0.0", whole(archive), "application/gzip", true)).toEqual({ created: false });
    expect(await readFile(join(appsDir, "hello", "1.0.0", "index.ts"), "utf8")).toBe(APP("new"));
    expect(readdirSync(join(appsDir, STAGING))).toEqual([]);
  });

  test(
    "two processes' deployers replacing one version at once: each answered, one whole version in place",
    async () => {
      const other = new Deployer(appsDir); // another process's, sharing only the files
      await deployed("both", "1.0.0", "v0");
      const archives = await Promise.all(["a", "b"].map((text) => tarGz([{ name: "index.ts", content: APP(text) }])));
      for (let round = 0; round < 20; round++) {
        const [a, b] = await Promise.allSettled([
          deployer.deploy("both", "1.0.0", whole(archives[0] as Uint8Array), "application/gzip", true),
          other.deploy("both", "1.0.0", whole(archives[1] as Uint8Array), "application/gzip", true),
        ]);
        expect([a, b].map((result) => result.status)).toEqual(["fulfilled", "fulfilled"]);
        expect([APP("a"), APP("b")]).toContain(await readFile(join(appsDir, "both", "1.0.0", "index.ts"), "utf8"));
      }
      expect(readdirSync(join(appsDir, STAGING))).toEqual([]);
    },
    TEST_TIMEOUT_MS,
  );
});
