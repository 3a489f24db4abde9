/**
 * The apps the bench serves, written to a scratch folder inside the repository (`.tmp/`, so
 * `hono` resolves from the workspace's node_modules) and removed when the run ends. The plain
 * Bun.serve baseline imports the very same files.
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";

const ROOT = resolve(import.meta.dir, "..");

/** A plain-text hello: the least an app can do. */
export const HELLO = `export default { fetch: () => new Response("Hello, world!") };\n`;

/** A Hono app with one JSON route, `/json`. */
export const HONO_JSON = `import { Hono } from "hono";
const app = new Hono();
app.get("/json", (c) => c.json({ message: "Hello, world!", items: [1, 2, 3], ok: true }));
export default app;
`;

/** Fixed-size binary bodies at \`/64k\` and \`/1m\`, made once at load. */
export const BYTES = `const sizes = { "/64k": 64 * 1024, "/1m": 1024 * 1024 };
const bodies = new Map(Object.entries(sizes).map(([path, size]) => [path, new Uint8Array(size).fill(97)]));
export default {
  fetch(request) {
    const body = bodies.get(new URL(request.url).pathname);
    if (!body) return new Response("not found", { status: 404 });
    return new Response(body, { headers: { "content-type": "application/octet-stream" } });
  },
};
`;

/** Server-Sent Events as fast as the reader takes them: \`?count=N\` events, one per pull. */
export const SSE = `export default {
  fetch(request) {
    const count = Number(new URL(request.url).searchParams.get("count") ?? 1000);
    const encoder = new TextEncoder();
    let sent = 0;
    const body = new ReadableStream({
      pull(controller) {
        controller.enqueue(encoder.encode(\`id: \${sent}\\nevent: tick\\ndata: {"n":\${sent}}\\n\\n\`));
        if (++sent >= count) controller.close();
      },
    });
    return new Response(body, { headers: { "content-type": "text/event-stream", "cache-control": "no-cache" } });
  },
};
`;

/** Worker config for steady-state scenarios: no recycling in the middle of a measurement (scenario recycle covers that). */
export const NO_RECYCLE = { maxRequests: 1_000_000_000 };

/** The bench's scratch folder: app folders and the runtime's config. */
export class Workspace {
  readonly root: string;
  /** A buntime.jsonc that enables (and requires) @buntime/metrics, as a production config would. */
  readonly config: string;

  constructor() {
    mkdirSync(join(ROOT, ".tmp"), { recursive: true });
    this.root = mkdtempSync(join(ROOT, ".tmp", "bench-"));
    // Enterable by others: process-isolated apps run as another user when the runtime is root.
    chmodSync(this.root, 0o711);
    this.config = join(this.root, "buntime.jsonc");
    writeFileSync(this.config, JSON.stringify({ required: ["@buntime/metrics"], plugins: ["@buntime/metrics"] }));
  }

  /** A fresh, empty APPS_DIR named `name`. */
  appsDir(name: string): string {
    const dir = join(this.root, name);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    return dir;
  }

  /** Deletes everything the run wrote. Idempotent. */
  remove(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}

/**
 * Writes `APPS_DIR/<name>/<version>/index.ts` (and `worker.jsonc` when `config` is given);
 * returns the module's path, for the plain baseline to import.
 */
export function writeApp(
  appsDir: string,
  name: string,
  version: string,
  source: string,
  config?: Record<string, unknown>,
): string {
  const dir = join(appsDir, name, version);
  mkdirSync(dir, { recursive: true });
  const module = join(dir, "index.ts");
  writeFileSync(module, source);
  if (config) writeFileSync(join(dir, "worker.jsonc"), JSON.stringify(config));
  return module;
}
