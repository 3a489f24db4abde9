import { afterEach, beforeEach, expect } from "bun:test";
/**
 * Test helpers for archive extraction and deployments: real archives built in memory, hostile
 * ones included, and a streaming source like a request body. Lives under test/, never shipped.
 */
import { mkdir, mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { deflateRawSync, gzipSync } from "node:zlib";
import { type Header, pack } from "tar-stream";
import {
  DeployError,
  type DeployErrorCode,
  type ExtractLimits,
  type ExtractResult,
  extractArchive,
} from "../../server/src/apps/deploy/extract.ts";

/** Generous limits, so each test states only the one it is about. */
export const LIMITS: ExtractLimits = { maxArchiveBytes: 10 << 20, maxFiles: 100, maxUncompressedBytes: 1 << 20 };

/**
 * A throwaway `<base>/apps/staging` layout, deep enough that a `../../x` escape would land
 * somewhere `strays()` looks.
 */
export interface Sandbox {
  base: string;
  staging: string;
  /** Extracts `bytes` into `staging`. */
  extract(bytes: Uint8Array, kind: "tar.gz" | "zip", limits?: Partial<ExtractLimits>): Promise<ExtractResult>;
  /** Extracts `bytes`, expecting a refusal; returns its code. */
  refusal(bytes: Uint8Array, kind: "tar.gz" | "zip", limits?: Partial<ExtractLimits>): Promise<DeployErrorCode>;
  /** Every path under `base` that is not inside `staging`, apart from `apps` itself. */
  strays(): Promise<string[]>;
  /** Relative paths of everything inside `staging`. */
  contents(): Promise<string[]>;
  dispose(): Promise<void>;
}

/** A fresh sandbox under the OS temp folder; `dispose()` removes it. */
export async function makeSandbox(): Promise<Sandbox> {
  const base = await mkdtemp(join(tmpdir(), "buntime-extract-"));
  const staging = join(base, "apps", "staging");
  await mkdir(staging, { recursive: true });
  const extract: Sandbox["extract"] = (bytes, kind, limits) =>
    extractArchive({ source: bodyOf(bytes).stream, kind, stagingDir: staging, limits: { ...LIMITS, ...limits } });
  return {
    base,
    staging,
    extract,
    async refusal(bytes, kind, limits) {
      try {
        await extract(bytes, kind, limits);
      } catch (error) {
        if (error instanceof DeployError) return error.code;
        throw error;
      }
      throw new Error("the archive was accepted");
    },
    async strays() {
      const inside = join("apps", "staging");
      const all = await readdir(base, { recursive: true });
      return all.filter((path) => path !== "apps" && path !== inside && !path.startsWith(`${inside}/`));
    },
    async contents() {
      return (await readdir(staging, { recursive: true })).sort();
    },
    dispose: () => rm(base, { recursive: true, force: true }),
  };
}

/**
 * Registers a sandbox per test (`beforeEach`), checking after each (`afterEach`) that nothing
 * was written outside its staging folder. `fresh()` checks and replaces it mid-test.
 */
export function useSandbox(): { readonly box: Sandbox; fresh(): Promise<void> } {
  let box: Sandbox | undefined;
  const check = async () => {
    expect(await box?.strays()).toEqual([]);
    await box?.dispose();
  };
  beforeEach(async () => {
    box = await makeSandbox();
  });
  afterEach(check);
  return {
    get box() {
      if (!box) throw new Error("useSandbox: use the sandbox inside a test");
      return box;
    },
    async fresh() {
      await check();
      box = await makeSandbox();
    },
  };
}

/** One tar entry; `content` defaults to empty. */
export type TarSpec = Partial<Header> & { name: string; content?: string | Uint8Array };

/** A `.tar.gz` of `entries`, written by tar-stream's `pack` and gzip'ed by node:zlib. */
export async function tarGz(entries: TarSpec[]): Promise<Uint8Array> {
  const tar = pack();
  for (const { content, ...header } of entries) {
    // Links, devices and folders carry no data; tar-stream wants no buffer for them.
    if (content === undefined) tar.entry(header);
    else tar.entry({ ...header, size: Buffer.byteLength(content) }, Buffer.from(content));
  }
  tar.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of tar) chunks.push(chunk as Buffer);
  return gzipSync(Buffer.concat(chunks));
}

/** One zip entry. */
export interface ZipSpec {
  name: string;
  content?: string | Uint8Array;
  /** `deflate` (default) or `store`; a number writes that raw method id. */
  method?: "deflate" | "store" | number;
  /** Unix mode for the external attributes' high 16 bits (type bits included), e.g. `0o120777`. */
  mode?: number;
  /** Overrides the uncompressed size in both headers: a lying header. */
  claimedSize?: number;
  /** General purpose flags; 0x0800 (UTF-8 names) by default. */
  flags?: number;
}

/**
 * A zip of `entries`, written here because no zip-writer library is installed: local headers and
 * data, then the central directory and its end record (APPNOTE 4.3). No zip64, no descriptors.
 */
export function zip(entries: ZipSpec[]): Uint8Array {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const spec of entries) {
    const name = Buffer.from(spec.name);
    const data = Buffer.from(spec.content ?? "");
    const method =
      spec.method === "store" ? 0 : spec.method === undefined || spec.method === "deflate" ? 8 : spec.method;
    const stored = method === 8 ? deflateRawSync(data) : data;
    const crc = Bun.hash.crc32(data) >>> 0;
    const size = spec.claimedSize ?? data.byteLength;
    const flags = spec.flags ?? 0x0800;

    // The fields a local header and its central-directory record share, in the same order, from
    // "version needed" (at `at`) to the name's length; mod time and date stay 0.
    const shared = (header: Buffer, at: number) => {
      header.writeUInt16LE(20, at); // version needed: 2.0
      header.writeUInt16LE(flags, at + 2);
      header.writeUInt16LE(method, at + 4);
      header.writeUInt32LE(crc, at + 10);
      header.writeUInt32LE(stored.byteLength, at + 14);
      header.writeUInt32LE(size, at + 18);
      header.writeUInt16LE(name.byteLength, at + 22);
    };

    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    shared(local, 4);
    locals.push(local, name, stored);

    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE((3 << 8) | 20, 4); // made by Unix, spec 2.0
    shared(central, 6);
    central.writeUInt32LE(((spec.mode ?? 0) << 16) >>> 0, 38);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, name);

    offset += local.byteLength + name.byteLength + stored.byteLength;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.byteLength, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

/** A zip written by Python's `zipfile` (a real tool's output, not ours): `{name: content}`. */
export function pythonZip(files: Record<string, string>): Uint8Array {
  const script = [
    "import io, json, sys, zipfile",
    "buf = io.BytesIO()",
    "with zipfile.ZipFile(buf, 'w', zipfile.ZIP_DEFLATED) as z:",
    "    for name, content in json.loads(sys.argv[1]).items():",
    "        z.writestr(name, content)",
    "sys.stdout.buffer.write(buf.getvalue())",
  ].join("\n");
  const result = Bun.spawnSync(["python3", "-c", script, JSON.stringify(files)]);
  if (!result.success) throw new Error(`python3 failed: ${result.stderr.toString()}`);
  return result.stdout;
}

/**
 * `bytes` as a request-like body, `chunkSize` bytes per chunk and pulled on demand, so the test
 * can see how far the reader got and whether it cancelled.
 */
export function bodyOf(bytes: Uint8Array, chunkSize = 64 * 1024, options: { endless?: boolean } = {}): TestBody {
  const seen = { pulled: 0, cancelled: false };
  let offset = 0;
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (offset >= bytes.byteLength) {
          // An endless body sends its bytes and then hangs, like a client that never finishes.
          if (options.endless) return new Promise(() => {});
          controller.close();
          return;
        }
        const chunk = bytes.subarray(offset, offset + chunkSize);
        offset += chunk.byteLength;
        seen.pulled += chunk.byteLength;
        controller.enqueue(chunk);
      },
      cancel() {
        seen.cancelled = true;
      },
    },
    { highWaterMark: 0 },
  ); // no read-ahead: `pulled` is what the reader asked for
  return { stream, seen };
}

/** A test body and what its reader did to it. */
export interface TestBody {
  stream: ReadableStream<Uint8Array>;
  seen: { pulled: number; cancelled: boolean };
}
