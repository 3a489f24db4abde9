/**
 * BUNTIME_PROCESSES (docs/cluster.md#processes): several server processes share one port, a
 * crashed one is restarted, a scrape shows every process's counters, SIGTERM ends them all
 * within SHUTDOWN_TIMEOUT; and the supervisor, which now keeps the environment to restart with,
 * still shows no secret in any start-up environment.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseProcStat } from "../server/src/supervised-server.ts";
import { killServerProcesses, type ServerProcess, startServerProcess } from "./_server-process.ts";
import { ADMIN_HEADERS, FIXTURE_APPS, ROOT } from "./_setup.ts";

const CANARY = `canary-${crypto.randomUUID()}`;
const WORK = join(ROOT, ".tmp", `processes-${process.pid}`);
const SHUTDOWN_TIMEOUT = 2;

let server: ServerProcess;
beforeAll(async () => {
  mkdirSync(WORK, { recursive: true });
  writeFileSync(join(WORK, "buntime.jsonc"), JSON.stringify({ plugins: ["@buntime/metrics"] }));
  server = await startServerProcess({
    APPS_DIR: FIXTURE_APPS,
    BUNTIME_PROCESSES: "2",
    BUNTIME_CONFIG: join(WORK, "buntime.jsonc"),
    BUNTIME_DATA_DIR: join(WORK, "data"),
    SHUTDOWN_TIMEOUT: String(SHUTDOWN_TIMEOUT),
    LOG_LEVEL: "warn",
    SECRET_CANARY: CANARY,
  });
  // startServerProcess returns at the first process's line; the second may still be starting.
  const until = Date.now() + 30_000;
  while (server.lines.filter((line) => line.startsWith("Buntime listening on")).length < 2 && Date.now() < until) {
    await Bun.sleep(20);
  }
}, 40_000);
afterAll(() => {
  killServerProcesses();
  rmSync(WORK, { recursive: true, force: true });
});

interface Environs {
  pid: number;
  environ: string[];
  ancestors: { pid: number; environ: string[] | null }[];
}

/** One request on a connection of its own (the kernel spreads connections, not requests). */
async function whoAnswers(): Promise<Environs> {
  const res = await getRetrying(server.at(`/proc-environ/?stop=${process.pid}`));
  expect(res.status).toBe(200);
  return (await res.json()) as Environs;
}

/** The server pids seen over `count` fresh connections. */
async function pidsOver(count: number): Promise<Set<number>> {
  const pids = new Set<number>();
  for (let i = 0; i < count; i++) pids.add((await whoAnswers()).pid);
  return pids;
}

function processState(pid: number): string {
  try {
    return parseProcStat(readFileSync(`/proc/${pid}/stat`, "utf8"))?.state ?? "gone";
  } catch {
    return "gone";
  }
}

/** GET with retries on a refused or reset connection, as a load balancer or a careful client does. */
async function getRetrying(url: string): Promise<Response> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fetch(url, { keepalive: false });
    } catch (error) {
      if (attempt >= 8) throw error;
      await Bun.sleep(25 * 2 ** attempt); // backing off, as a client does: 50 ms … 3.2 s
    }
  }
}

describe("BUNTIME_PROCESSES=2", () => {
  let first: Set<number>;

  test("both processes serve on the one port (two pids over many connections), both children of the supervisor", async () => {
    first = await pidsOver(40);
    expect(first.size).toBe(2);
    const { ancestors } = await whoAnswers();
    expect(ancestors[0]?.pid).toBe(server.proc.pid);
    // Every process printed the same URL.
    expect(server.lines.filter((line) => line.startsWith(`Buntime listening on ${server.url}`)).length).toBe(2);
  });

  test("a secret the server started with is in no start-up environment: a process's, the supervisor's, or above", async () => {
    const holding = (list: string[] | null) => (list ?? []).some((entry) => entry.includes(CANARY));
    for (let i = 0; i < 6; i++) {
      const { environ, ancestors } = await whoAnswers();
      expect(holding(environ)).toBe(false);
      expect(ancestors.filter((ancestor) => holding(ancestor.environ))).toEqual([]);
      expect(ancestors[0]?.environ?.length).toBeGreaterThan(0); // the supervisor's was read
    }
  });

  test("kill -9 of one process under load: no request lost at a retrying client, and a new process takes its place", async () => {
    const [victim, survivor] = [...first] as [number, number];
    let stop = false;
    const outcomes: number[] = [];
    const client = async () => {
      while (!stop) outcomes.push((await getRetrying(server.at("/hello/"))).status);
    };
    const clients = Array.from({ length: 4 }, client);
    while (outcomes.length < 50) await Bun.sleep(5);
    process.kill(victim, "SIGKILL");
    // A replacement appears: a pid that is neither the victim nor the survivor.
    let replaced: number | undefined;
    const until = Date.now() + 30_000;
    while (replaced === undefined && Date.now() < until) {
      const pids = await pidsOver(6);
      replaced = [...pids].find((pid) => pid !== victim && pid !== survivor);
    }
    stop = true;
    await Promise.all(clients);
    expect(replaced).toBeDefined();
    expect(outcomes.length).toBeGreaterThan(50);
    expect(outcomes.filter((status) => status !== 200)).toEqual([]);
    first = new Set([survivor, replaced as number]);
  }, 60_000);

  test("one scrape of any process holds the counters of both, labelled by process", async () => {
    for (let i = 0; i < 4; i++) {
      const text = await (
        await fetch(server.at("/_/metrics/prometheus"), { headers: ADMIN_HEADERS, keepalive: false })
      ).text();
      expect(text).toMatch(
        /buntime_requests_total\{app="proc-environ",version="1\.0\.0",status="2xx",process="0"\} \d+/,
      );
      expect(text).toMatch(
        /buntime_requests_total\{app="proc-environ",version="1\.0\.0",status="2xx",process="1"\} \d+/,
      );
      expect(text).toMatch(/process_resident_memory_bytes\{process="0"\}/);
      expect(text).toMatch(/process_resident_memory_bytes\{process="1"\}/);
      // One node, whichever process answers (the supervisor's default id).
      const nodes = new Set([...text.matchAll(/^buntime_node_info\{node="([^"]+)"/gm)].map((m) => m[1]));
      expect(nodes.size).toBe(1);
      // One HELP and TYPE per metric, as the format requires.
      expect(text.match(/^# TYPE buntime_requests_total /gm)?.length).toBe(1);
    }
  });

  test("OpenMetrics too", async () => {
    const res = await fetch(server.at("/_/metrics/prometheus"), {
      headers: { ...ADMIN_HEADERS, accept: "application/openmetrics-text" },
    });
    expect(res.headers.get("content-type")).toContain("application/openmetrics-text");
    const text = await res.text();
    expect(text).toContain("# TYPE buntime_requests counter\n");
    expect(text).toMatch(/^buntime_requests_total\{[^}]*process="0"\} \d+$/m);
    expect(text).toMatch(/^buntime_requests_total\{[^}]*process="1"\} \d+$/m);
    expect(text.trimEnd().endsWith("# EOF")).toBe(true);
  });

  test("/_/stats of any process lists every process with its pid and its own stats", async () => {
    for (let i = 0; i < 4; i++) {
      const res = await fetch(server.at("/_/stats"), { headers: ADMIN_HEADERS, keepalive: false });
      const body = (await res.json()) as {
        workers: unknown[];
        processes: { index: number; pid: number; stats: { metrics: unknown; workers: unknown[] } }[];
      };
      expect(body.workers).toBeInstanceOf(Array); // its own, as before
      expect(body.processes.map((p) => p.index)).toEqual([0, 1]);
      expect(new Set(body.processes.map((p) => p.pid))).toEqual(first);
      for (const entry of body.processes) {
        expect(entry.stats.metrics).toBeDefined();
        expect(entry.stats.workers).toBeInstanceOf(Array);
      }
    }
  });

  test("SIGTERM: requests in flight in every process finish, then all exit within SHUTDOWN_TIMEOUT, exit 0", async () => {
    const pids = [...first];
    const slow = Array.from({ length: 6 }, () => fetch(server.at("/whoami/?ms=1000"), { keepalive: false }));
    // In flight when the scrape (which sums every process's gauge) says so.
    const until = Date.now() + 10_000;
    while (Date.now() < until) {
      const text = await (await fetch(server.at("/_/metrics/prometheus"), { headers: ADMIN_HEADERS })).text();
      const inFlight = [...text.matchAll(/^buntime_requests_in_flight\{process="\d+"\} (\d+)$/gm)];
      if (inFlight.reduce((sum, match) => sum + Number(match[1]), 0) >= 6) break;
    }
    const started = performance.now();
    server.proc.kill("SIGTERM");
    const answers = await Promise.all(slow);
    expect(answers.map((res) => res.status)).toEqual([200, 200, 200, 200, 200, 200]);
    expect(await server.proc.exited).toBe(0);
    expect(performance.now() - started).toBeLessThan(SHUTDOWN_TIMEOUT * 1000 + 3000);
    // Gone, or a zombie waiting for whoever inherited it to reap it: nothing runs.
    for (const pid of pids) expect(["gone", "Z", "X"]).toContain(processState(pid));
  }, 30_000);
});

describe("BUNTIME_PROCESSES=2 without a shared store: scheduled runs", () => {
  test("each due run happens in one process only (a lease file in BUNTIME_DATA_DIR)", async () => {
    const dir = join(WORK, "schedules");
    const runs = join(dir, "runs.txt");
    mkdirSync(join(dir, "apps", "tick", "1.0.0"), { recursive: true });
    writeFileSync(runs, "");
    writeFileSync(
      join(dir, "apps", "tick", "1.0.0", "worker.jsonc"),
      JSON.stringify({ schedules: [{ cron: "* * * * * *" }], env: { RUNS: runs } }),
    );
    writeFileSync(
      join(dir, "apps", "tick", "1.0.0", "index.ts"),
      `import { appendFileSync } from "node:fs";
       export default {
         fetch: () => new Response("tick"),
         scheduled: ({ scheduledTime }) => appendFileSync(process.env.RUNS, scheduledTime + "\\n"),
       };`,
    );
    await startServerProcess({
      APPS_DIR: join(dir, "apps"),
      BUNTIME_PROCESSES: "2",
      BUNTIME_DATA_DIR: join(dir, "data"),
      LOG_LEVEL: "warn",
    });
    const times = () => readFileSync(runs, "utf8").split("\n").filter(Boolean);
    // Both processes arm the schedule; wait for runs of five distinct seconds.
    const until = Date.now() + 20_000;
    while (new Set(times()).size < 5 && Date.now() < until) await Bun.sleep(100);
    const seen = times();
    const distinct = [...new Set(seen)].sort();
    expect(distinct.length).toBeGreaterThanOrEqual(5);
    // The last second's run may still be landing in the other process: judge the ones before it.
    for (const time of distinct.slice(0, -1)) expect(seen.filter((t) => t === time)).toHaveLength(1);
  }, 40_000);
});
