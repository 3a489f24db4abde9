/**
 * `bun run soak`: a long mixed load through a real server started in this process.
 *
 * 20,000 requests (SOAK_REQUESTS), at most 64 at once (SOAK_CONCURRENCY): 90 % go to five
 * healthy apps (hello, echo, hono-api, slow, and `recycler`, recycled every 25 requests and every
 * 2 s); 10 % are poisoned, in equal parts crash (`process.exit`), throw (APP_ERROR) and hang
 * (a handler that never answers, and one in 50 a spinning event loop). Poison goes to apps of
 * its own, so no healthy request should be lost.
 *
 * Prints the outcome of each kind, throughput, healthy latency and RSS; exits 1 if a healthy
 * request was not answered 200 or RSS grew more than SOAK_MAX_RSS_GROWTH_MB (200) over the run.
 */
import { cpSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { loadEnv, silentLogger, startServer } from "@buntime/server";
import { Workspace, writeApp } from "./apps.ts";
import { percentile } from "./stats.ts";

const TOTAL = Number(process.env.SOAK_REQUESTS ?? 20_000);
const CONCURRENCY = Number(process.env.SOAK_CONCURRENCY ?? 64);
const MAX_RSS_GROWTH_MB = Number(process.env.SOAK_MAX_RSS_GROWTH_MB ?? 200);
const MB = 1024 * 1024;

type Kind = "healthy" | "crash" | "throw" | "hang" | "spin";
const HEALTHY = ["/hello/", "/echo/soak?x=1", "/hono-api/users/42", "/slow/?ms=5", "/recycler/"];
const POISON: Record<Exclude<Kind, "healthy">, string> = {
  crash: "/exit-in-handler/exit",
  throw: "/throws/throw",
  hang: "/spin/wait",
  spin: "/spin/spin",
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

function plan(count: number): { kind: Kind; path: string }[] {
  const next = random(42);
  return Array.from({ length: count }, () => {
    const r = next();
    if (r >= 0.1) return { kind: "healthy" as const, path: HEALTHY[Math.floor(next() * HEALTHY.length)] as string };
    const poison: Exclude<Kind, "healthy"> =
      r < 0.0333 ? "crash" : r < 0.0667 ? "throw" : next() < 0.02 ? "spin" : "hang";
    return { kind: poison, path: POISON[poison] };
  });
}

// The fixture apps, copied into the bench's scratch folder (so `hono` resolves from the workspace).
const FIXTURE_APPS = resolve(import.meta.dir, "../fixtures/apps");
const workspace = new Workspace();
const appsDir = workspace.appsDir("apps");
for (const app of ["hello", "echo", "hono-api", "slow", "exit-in-handler", "throws", "spin"]) {
  cpSync(join(FIXTURE_APPS, app), join(appsDir, app), { recursive: true });
}
// The hang app: short timeout and room for many hanging requests, so hangs stay cheap.
writeFileSync(
  join(appsDir, "spin/1.0.0/worker.jsonc"),
  JSON.stringify({ timeout: 0.5, concurrency: 100, maxWorkers: 2 }),
);
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
for (const path of [...HEALTHY, POISON.throw]) await fetchOne(path);
Bun.gc(true);
const rssBefore = process.memoryUsage().rss;

const requests = plan(TOTAL);
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
Bun.gc(true);
const rssAfter = process.memoryUsage().rss;
const live = server.pool.snapshot().length;
await server.stop();
const left = server.pool.snapshot().length;
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
  `rss: before ${(rssBefore / MB).toFixed(0)} MB, after ${(rssAfter / MB).toFixed(0)} MB, growth ${growthMb.toFixed(0)} MB (limit ${MAX_RSS_GROWTH_MB})`,
);
console.log(`healthy requests lost: ${lostHealthy}`);
const failed = lostHealthy > 0 || growthMb > MAX_RSS_GROWTH_MB || left > 0;
console.log(failed ? "SOAK FAILED" : "SOAK OK");
process.exit(failed ? 1 : 0);
