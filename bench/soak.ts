/**
 * `bun run soak`: a long mixed load through a real server started in this process.
 *
 * 20,000 requests (SOAK_REQUESTS), at most 64 at once (SOAK_CONCURRENCY): 85 % go to five
 * healthy apps (hello, echo, hono-api, slow, and `recycler`, recycled every 25 requests and every
 * 2 s); 15 % are poisoned, to apps of their own, so no healthy request should be lost:
 * - 2.5 % each crash (`process.exit`), throw (APP_ERROR) and hang (a handler that never
 *   answers, and one in 50 a spinning event loop);
 * - 2.5 % garbage: the app posts what is not the protocol to the host (a string that is not
 *   JSON, `null`, a number, an unknown type, a response for a request never sent, status 600);
 * - 2.5 % block: the handler blocks its thread in a system call `terminate()` cannot interrupt
 *   (`Bun.sleepSync` 3 s, `execSync("sleep 3")`: abandoned before they return; and one in 100
 *   a read on a FIFO that never returns: a thread leaked until the process exits);
 * - 2.5 % config: requests to apps whose `worker.config.ts` spins forever or posts garbage, a
 *   new version of each written every 10 s (SOAK_CONFIG_EVERY_MS), so each is loaded anew.
 *
 * SOAK_POISON (e.g. `block,config`) plays only the poison kinds it names, the rest of their
 * share going to the healthy apps. Prints the outcome of each kind, throughput, healthy latency,
 * RSS and the threads abandoned; exits 1 if a healthy request was not answered 200, RSS grew
 * more than SOAK_MAX_RSS_GROWTH_MB (200) over the run, or a worker was left after stop().
 */
import { cpSync, mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { loadEnv, silentLogger, startServer } from "@buntime/server";
import { Workspace, writeApp } from "./apps.ts";
import { percentile } from "./stats.ts";

const TOTAL = Number(process.env.SOAK_REQUESTS ?? 20_000);
const CONCURRENCY = Number(process.env.SOAK_CONCURRENCY ?? 64);
const MAX_RSS_GROWTH_MB = Number(process.env.SOAK_MAX_RSS_GROWTH_MB ?? 200);
const CONFIG_EVERY_MS = Number(process.env.SOAK_CONFIG_EVERY_MS ?? 10_000);
const MB = 1024 * 1024;

type Kind = "healthy" | "crash" | "throw" | "hang" | "spin" | "garbage" | "block" | "config";
type Poison = Exclude<Kind, "healthy">;
const HEALTHY = ["/hello/", "/echo/soak?x=1", "/hono-api/users/42", "/slow/?ms=5", "/recycler/"];
/** Each poison kind's paths: a request of that kind takes the next one in turn. */
const POISON: Record<Poison, string[]> = {
  crash: ["/exit-in-handler/exit"],
  throw: ["/throws/throw"],
  hang: ["/spin/wait"],
  spin: ["/spin/spin"],
  garbage: ["not-json", "null", "number", "unknown type", "a response for a request never sent", "status 600"].map(
    (kind) => `/post-garbage/?kind=${encodeURIComponent(kind)}`,
  ),
  block: [
    ...Array.from({ length: 99 }, (_, i) => (i % 2 === 0 ? "/block-sleep/block?ms=3000" : "/block-exec/block?s=3")),
    "/block-fifo/block",
  ],
  config: ["/config-spin/", "/config-garbage/"],
};
/** How many requests of each poison kind were planned so far (each takes the next path). */
const turns = new Map<Poison, number>();
const pathOf = (kind: Poison): string => {
  const turn = turns.get(kind) ?? 0;
  turns.set(kind, turn + 1);
  return POISON[kind][turn % POISON[kind].length] as string;
};

/** A small seeded PRNG (mulberry32), so every soak plays the same mix. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Each of these poison kinds has a 2.5 % share (spin takes one in 50 of hang's). */
const SHARES: Poison[] = ["crash", "throw", "hang", "garbage", "block", "config"];
const SHARE = 0.025;
/** SOAK_POISON=block,config plays only those poison kinds (their requests otherwise go to healthy apps). */
const ENABLED = new Set(process.env.SOAK_POISON?.split(",") ?? SHARES);

function plan(count: number): { kind: Kind; path: string }[] {
  const next = random(42);
  return Array.from({ length: count }, () => {
    const r = next();
    if (r >= SHARE * SHARES.length || !ENABLED.has(SHARES[Math.floor(r / SHARE)] as Poison)) {
      return { kind: "healthy" as const, path: HEALTHY[Math.floor(next() * HEALTHY.length)] as string };
    }
    let poison = SHARES[Math.floor(r / SHARE)] as Poison;
    if (poison === "hang" && next() < 0.02) poison = "spin";
    return { kind: poison, path: pathOf(poison) };
  });
}

// The fixture apps, copied into the bench's scratch folder (so `hono` resolves from the workspace).
const FIXTURE_APPS = resolve(import.meta.dir, "../fixtures/apps");
const workspace = new Workspace();
const appsDir = workspace.appsDir("apps");
const FIXTURES = ["hello", "echo", "hono-api", "slow", "exit-in-handler", "throws", "spin", "post-garbage"];
for (const app of [...FIXTURES, "block-sleep", "block-exec", "block-fifo"]) {
  cpSync(join(FIXTURE_APPS, app), join(appsDir, app), { recursive: true });
}
// The hang and block apps: short timeout and room for many hanging requests, so hangs stay cheap.
for (const app of ["spin", "block-sleep", "block-exec", "block-fifo"]) {
  writeFileSync(
    join(appsDir, `${app}/1.0.0/worker.jsonc`),
    JSON.stringify({ timeout: 0.5, concurrency: 100, maxWorkers: 2 }),
  );
}
/** Hostile `worker.config.ts` files: one loops forever, one posts garbage to the host. */
const HOSTILE_CONFIGS = {
  "config-spin": "while (Date.now() > 0) {}\nexport default {};\n",
  "config-garbage": "self.postMessage(null);\nself.postMessage('not json');\nexport default {};\n",
};
let configVersions = 0;
/** Writes the next version of each hostile-config app: requests resolve to it, so it is loaded anew. */
function writeHostileConfigs(): void {
  const version = `1.0.${configVersions++}`;
  for (const [name, config] of Object.entries(HOSTILE_CONFIGS)) {
    const dir = join(appsDir, name, version);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "index.ts"), 'export default { fetch: () => new Response("served") };\n');
    writeFileSync(join(dir, "worker.config.ts"), config);
  }
}
writeHostileConfigs();
writeApp(
  appsDir,
  "recycler",
  "1.0.0",
  "const worker = crypto.randomUUID();\nlet served = 0;\nexport default { fetch: () => Response.json({ worker, served: ++served }) };\n",
  { maxRequests: 25, ttl: 2 },
);

const server = await startServer({
  logger: silentLogger,
  env: loadEnv({
    APPS_DIR: appsDir,
    HOST: "127.0.0.1",
    PORT: "0",
    SHUTDOWN_TIMEOUT: "5",
    // The runtime's data (the admin store) stays inside the scratch folder too.
    BUNTIME_DATA_DIR: join(workspace.root, "data"),
  }),
});
const lifecycle = new Map<string, number>();
const bump = (key: string) => lifecycle.set(key, (lifecycle.get(key) ?? 0) + 1);
server.pool.events.on("spawn", () => bump("spawn"));
server.pool.events.on("crash", () => bump("crash"));
server.pool.events.on("recycle", (e) => bump(`recycle:${e.reason}`));

const fetchOne = async (path: string): Promise<{ outcome: string; ms: number }> => {
  const started = performance.now();
  try {
    const response = await fetch(new URL(path, server.url));
    const text = await response.text();
    const code = response.status >= 400 ? (/"code":"(\w+)"/.exec(text)?.[1] ?? "") : "";
    return { outcome: `${response.status}${code ? ` ${code}` : ""}`, ms: performance.now() - started };
  } catch (error) {
    return { outcome: `network error: ${(error as Error).message}`, ms: performance.now() - started };
  }
};

// Warm up: one worker per app, so RSS "before" counts the workers and the growth is the run's own.
for (const path of [...HEALTHY, ...POISON.throw]) await fetchOne(path);
Bun.gc(true);
const rssBefore = process.memoryUsage().rss;

const requests = plan(TOTAL);
const configTimer = setInterval(writeHostileConfigs, CONFIG_EVERY_MS);
const outcomes = new Map<string, number>();
const healthyMs: number[] = [];
let lostHealthy = 0;
let cursor = 0;
const started = performance.now();
await Promise.all(
  Array.from({ length: CONCURRENCY }, async () => {
    while (cursor < requests.length) {
      const { kind, path } = requests[cursor++] as { kind: Kind; path: string };
      const { outcome, ms } = await fetchOne(path);
      outcomes.set(`${kind.padEnd(7)} ${outcome}`, (outcomes.get(`${kind.padEnd(7)} ${outcome}`) ?? 0) + 1);
      if (kind === "healthy") {
        healthyMs.push(ms);
        if (outcome !== "200") lostHealthy++;
      }
    }
  }),
);
const seconds = (performance.now() - started) / 1000;
clearInterval(configTimer);
Bun.gc(true);
const rssAfter = process.memoryUsage().rss;
const live = server.pool.snapshot().length;
const report = await server.stop();
const left = server.pool.snapshot().length;
const { abandoned, leakedThreads } = server.pool.counters;
workspace.remove();

const pct = (p: number) => percentile(healthyMs, p).toFixed(1);
const growthMb = (rssAfter - rssBefore) / MB;
console.log(
  `soak: ${TOTAL} requests, concurrency ${CONCURRENCY}, ${seconds.toFixed(1)} s, ${(TOTAL / seconds).toFixed(0)} req/s`,
);
console.log("outcomes (kind, status, code):");
for (const [key, count] of [...outcomes].sort()) console.log(`  ${key.padEnd(40)} ${String(count).padStart(6)}`);
console.log(`healthy latency ms: p50 ${pct(50)}, p95 ${pct(95)}, p99 ${pct(99)}, max ${pct(100)}`);
console.log(`pool events: ${[...lifecycle].map(([k, v]) => `${k} ${v}`).join(", ")}`);
console.log(`workers live at the end: ${live}; after stop(): ${left}`);
console.log(
  `threads abandoned (blocked in a system call): ${abandoned}, still blocked at the end ${leakedThreads}; stop(): ${report.cutOff} requests cut off, ${report.abandoned.length} workers abandoned`,
);
console.log(
  `rss: before ${(rssBefore / MB).toFixed(0)} MB, after ${(rssAfter / MB).toFixed(0)} MB, growth ${growthMb.toFixed(0)} MB (limit ${MAX_RSS_GROWTH_MB})`,
);
console.log(`healthy requests lost: ${lostHealthy}`);
const failed = lostHealthy > 0 || growthMb > MAX_RSS_GROWTH_MB || left > 0;
console.log(failed ? "SOAK FAILED" : "SOAK OK");
process.exit(failed ? 1 : 0);
