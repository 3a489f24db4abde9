/**
 * Process isolation (docs/isolation.md) against a real server whose floor is `process`, running as
 * root (as CI does): what an app does to its own process ends there, and what it may read is
 * its own folder and its own env. The lifecycle options in this mode are lifecycle.test.ts's.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { normaliseConfig } from "../server/src/config/buntime-config.ts";
import { SHUTDOWN_MARGIN_MS } from "../server/src/shutdown.ts";
import { KEY_FILE } from "../server/src/store/file-key-store.ts";
import { call, recordEvents, whenInFlight, writeApp, writeAppCode } from "./_pool-helpers.ts";
import { killServerProcesses, startServerProcess } from "./_server-process.ts";
import {
  ADMIN_HEADERS,
  eventually,
  ROOT,
  startTestServer,
  stopThenRemove,
  type TestServer,
  tempAppsDir,
} from "./_setup.ts";

/** Does `?do=` to its own process: the ways an app can end the process it runs in. */
const CRASHER = `
import { read } from "bun:ffi";
const deeds = {
  abort: () => process.abort(),
  kill: () => process.kill(process.pid, "SIGKILL"),
  exit: () => process.exit(3),
  // A native segfault: bun:ffi refuses address 0, not 16.
  segfault: () => read.u8(16),
  // 2 GB, every page touched (an untouched allocation costs no memory).
  hog: () => new Uint8Array(2 * 1024 ** 3).fill(1).length,
  spin: () => { while (true) {} },
};
export default {
  fetch(request) {
    const deed = new URL(request.url).searchParams.get("do");
    if (deed) deeds[deed]();
    return Response.json({ pid: process.pid });
  },
};
`;

/** Tries to read what an app must not, and answers what it could; and its env, cwd, ids and process group. */
const SPY = `
import { readdirSync, readFileSync } from "node:fs";
const attempt = (read) => { try { read(); return "read"; } catch (error) { return error.code ?? String(error); } };
export default {
  fetch(request) {
    const paths = JSON.parse(new URL(request.url).searchParams.get("paths") ?? "[]");
    const result = {};
    for (const path of paths) result[path] = attempt(() => (path.endsWith("/") ? readdirSync(path) : readFileSync(path)));
    // mem needs a read at a mapped address: the open alone is refused when access is denied.
    return Response.json({ result, env: { ...process.env }, cwd: process.cwd(), uid: process.getuid(), gid: process.getgid(), args: process.argv.slice(2), pid: process.pid, pgrp: processGroup() });
  },
};
// Field 5 of /proc/self/stat, counted after the command name (in parentheses, it may hold spaces).
const processGroup = () => { const stat = readFileSync("/proc/self/stat", "utf8"); return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[2]); };
`;

/** Starts a subprocess that outlives nothing: answers its pid. */
const SPAWNER = `
export default {
  fetch() {
    const child = Bun.spawn(["/bin/sleep", "600"], { stdio: ["ignore", "ignore", "ignore"] });
    return Response.json({ sleep: child.pid, worker: process.pid });
  },
};
`;

/** As SPAWNER, its subprocess in a session (and process group) of its own: only a cgroup holds it. */
const DETACHER = SPAWNER.replace('["/bin/sleep", "600"]', '["setsid", "/bin/sleep", "600"]');

/** Answers the flags Bun was started with (its own, not the script's arguments). */
const EXEC_ARGV = `export default { fetch: () => Response.json(process.execArgv) };`;

/** Whether `pid` runs (a zombie, killed and waiting for its reaper, does not). */
const alive = (pid: number) => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
};

/** The process group of `pid`: field 5 of /proc/<pid>/stat, as the spy reads its own. */
const processGroupOf = (pid: number) => {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[2]);
};

let apps: ReturnType<typeof tempAppsDir>;
let server: TestServer;
let dataDir: string;
let policyFile: string;

beforeAll(async () => {
  apps = tempAppsDir();
  writeAppCode(apps.dir, "crasher", CRASHER, { maxMemory: 128 });
  writeAppCode(apps.dir, "spy", SPY, { env: { ONLY: "this" } });
  writeAppCode(apps.dir, "spawner", SPAWNER, { maxRequests: 1 });
  writeAppCode(apps.dir, "detacher", DETACHER, { maxRequests: 1 });
  writeApp(apps.dir, "bystander", "slow", { timeout: 10 });
  writeApp(apps.dir, "neighbour", "hello", {});
  writeApp(apps.dir, "echo", "echo", {});
  writeApp(apps.dir, "sse", "sse", {});
  writeAppCode(apps.dir, "spinner", CRASHER, { timeout: 1 });
  writeAppCode(apps.dir, "small-heap", EXEC_ARGV, { lowMemory: true });
  writeAppCode(apps.dir, "full-heap", EXEC_ARGV, { lowMemory: false });
  // The secrets, readable by anyone before the server starts (as an admin may have left them).
  dataDir = join(apps.dir, "..", `data-${crypto.randomUUID()}`);
  mkdirSync(dataDir, { mode: 0o755 });
  writeFileSync(join(dataDir, KEY_FILE), "[]", { mode: 0o644 });
  policyFile = join(apps.dir, "..", `policies-${crypto.randomUUID()}.json`);
  writeFileSync(policyFile, "[]", { mode: 0o644 });
  const config = normaliseConfig({ plugins: [["@buntime/authz", { path: policyFile, excludePaths: ["/**"] }]] }, ROOT);
  server = await startTestServer(
    { APPS_DIR: apps.dir, BUNTIME_ISOLATION: "process", BUNTIME_DATA_DIR: dataDir },
    { config },
  );
});

afterAll(() => stopThenRemove(server, apps));

describe("an app ending its own process ends only that process", () => {
  // The 2 GB allocation is a crash where a memory cgroup holds maxMemory (this machine: v1);
  // under an address-space limit (no cgroup) the allocation itself fails (500): the server and
  // every other app are unharmed either way.
  const caged = () => server.stats().isolation?.process.memory.startsWith("cgroup") === true;
  for (const deed of ["abort", "kill", "exit", "segfault", "hog"]) {
    test(`${deed}: 502 WORKER_CRASHED for its request, the next one gets a new process, other apps unharmed`, async () => {
      if (deed === "hog" && !caged()) {
        // hog without a cgroup: the allocation fails past the address-space limit.
        const failed = await call(server.at("/crasher/?do=hog"));
        expect(failed.status).toBe(500);
        expect(failed.body.error.message).toContain("Out of memory");
        expect((await call(server.at("/neighbour/"))).status).toBe(200);
        return;
      }
      const events = recordEvents(server.pool.events);
      const before = await call(server.at("/crasher/"));
      expect(before.status).toBe(200);
      // Another app with a request in flight while it happens, and one served after.
      const inFlight = call(server.at("/bystander/?ms=700"));
      await whenInFlight(server.pool, "bystander");
      const crashing = call(server.at(`/crasher/?do=${deed}`));
      // A second request posted to the worker as it dies, unread in its channel: the host's read
      // then fails (ECONNRESET), which must not hide how the worker ended.
      const behind = call(server.at("/crasher/?behind"));
      const [crashed, second] = await Promise.all([crashing, behind]);
      expect(crashed.status).toBe(502);
      expect(crashed.code).toBe("WORKER_CRASHED");
      expect(crashed.body.error.message).not.toContain("protocol violation");
      expect([second.status, second.body.error?.message ?? ""]).not.toContainEqual(
        expect.stringContaining("protocol violation"),
      );
      const how: Record<string, string> = { kill: "SIGKILL", exit: "exited with code 3", hog: "memory limit" };
      if (how[deed]) expect(crashed.body.error.message).toContain(how[deed]);
      expect((await events.next("crash", (e) => e.key === "crasher@1.0.0")).message).toBeDefined();
      const after = await call(server.at("/crasher/"));
      expect(after.status).toBe(200);
      expect(after.body.pid).not.toBe(before.body.pid);
      expect(alive(before.body.pid)).toBe(false);
      expect((await inFlight).status).toBe(200);
      expect((await call(server.at("/neighbour/"))).status).toBe(200);
      events.stop();
    }, 20_000);
  }
});

test("an app reads neither the server's /proc files, nor its secrets, nor another app's folder or /proc files; its env is its config's", async () => {
  const forbidden = [
    `/proc/${process.pid}/environ`,
    `/proc/${process.pid}/mem`,
    join(dataDir, KEY_FILE),
    policyFile,
    `${join(apps.dir, "neighbour", "1.0.0")}/`,
    join(apps.dir, "neighbour", "1.0.0", "index.ts"),
  ];
  // Another app's worker runs as the same user: its environment is closed too.
  const other = (await call(server.at("/crasher/"))).body.pid as number;
  forbidden.push(`/proc/${other}/environ`, `/proc/${other}/mem`);
  const own = join(apps.dir, "spy", "1.0.0", "index.ts");
  const answer = await call(server.at(`/spy/?paths=${encodeURIComponent(JSON.stringify([...forbidden, own]))}`));
  expect(answer.status).toBe(200);
  for (const path of forbidden) expect([path, answer.body.result[path]]).toEqual([path, "EACCES"]);
  expect(answer.body.result[own]).toBe("read");
  expect(answer.body.env).toEqual({ ONLY: "this" });
  expect(answer.body.cwd).toBe(join(apps.dir, "spy", "1.0.0"));
  expect(answer.body.args).toEqual([]); // the host's channel argument is taken out before the app loads
  expect(answer.body.uid).toBe(65534); // nobody
  const isolation = server.stats().isolation;
  expect(isolation).toMatchObject({ floor: "process", process: { user: "nobody" } });
  // As root with a memory cgroup (this machine: v1), nothing is left unenforced.
  if (isolation?.process.memory.startsWith("cgroup")) expect(isolation.process.warnings).toEqual([]);
});

test("a worker is its own process group: it leads a group that is not the server's", async () => {
  const answer = await call(server.at("/spy/"));
  expect(answer.status).toBe(200);
  const { pid, pgrp } = answer.body as { pid: number; pgrp: number };
  expect(pid).not.toBe(process.pid); // a process of its own, not the server (this test's process)
  expect(pgrp).toBe(pid); // the leader of its group
  expect(pgrp).not.toBe(processGroupOf(process.pid));
  expect(processGroupOf(pid)).toBe(pid); // as the server's side of /proc sees it too
});

test("an app copied in after start is closed to other apps at once, not at its first worker", async () => {
  const late = writeApp(apps.dir, "late", "hello", {});
  await eventually(() => (statSync(join(apps.dir, "late")).mode & 0o777) === 0o750, 5000);
  const file = join(late, "index.ts");
  const answer = await call(server.at(`/spy/?paths=${encodeURIComponent(JSON.stringify([file]))}`));
  expect(answer.body.result[file]).toBe("EACCES");
  expect((await call(server.at("/late/"))).status).toBe(200);
});

test("lowMemory starts the worker's process with Bun's small heap (--smol); without it, the default heap", async () => {
  const small = await call(server.at("/small-heap/"));
  expect(small.status).toBe(200);
  expect(small.body).toContain("--smol");
  const full = await call(server.at("/full-heap/"));
  expect(full.status).toBe(200);
  expect(full.body).toBeArray(); // the flags were read: their absence is not a failed answer
  expect(full.body).not.toContain("--smol");
});

test("bodies stream both ways through a process: a 3 MB upload hashed as it arrives, an echoed stream, SSE", async () => {
  const upload = new Uint8Array(3 * 1024 * 1024).map((_, i) => i % 251);
  const hashed = await call(server.at("/echo/hash"), { method: "POST", body: upload });
  expect(hashed.status).toBe(200);
  expect(hashed.body).toEqual({
    sha256: new Bun.CryptoHasher("sha256").update(upload).digest("hex"),
    size: upload.length,
  });
  const echoed = await fetch(server.at("/echo/stream"), { method: "POST", body: upload });
  expect(new Uint8Array(await echoed.arrayBuffer())).toEqual(upload);
  const events = await call(server.at("/sse/?count=3&interval=50"));
  expect(events.status).toBe(200);
  expect((events.body as string).match(/event: tick/g)).toHaveLength(3);
});

test("a worker whose event loop is stuck: 504 at its timeout, its process killed, the next request a new one", async () => {
  const before = await call(server.at("/spinner/"));
  const spun = await call(server.at("/spinner/?do=spin"));
  expect(spun.code).toBe("APP_TIMEOUT");
  await eventually(() => !alive(before.body.pid));
  const after = await call(server.at("/spinner/"));
  expect(after.status).toBe(200);
  expect(after.body.pid).not.toBe(before.body.pid);
});

test("a subprocess an app started dies with its worker", async () => {
  const events = recordEvents(server.pool.events);
  const answer = await call(server.at("/spawner/"));
  expect(answer.status).toBe(200);
  const { sleep } = answer.body as { sleep: number };
  // maxRequests 1: the worker is recycled after this request; its process group goes with it.
  await events.next("terminate", (e) => e.key === "spawner@1.0.0");
  await eventually(() => !alive(sleep));
  events.stop();
});

test("a subprocess that left the worker's process group (setsid) dies with it too, with no maxMemory set", async () => {
  const events = recordEvents(server.pool.events);
  const answer = await call(server.at("/detacher/"));
  expect(answer.status).toBe(200);
  const { sleep } = answer.body as { sleep: number };
  // Started (its pid answered); whether it still runs now races the recycle (maxRequests 1).
  expect(sleep).toBeGreaterThan(0);
  await events.next("terminate", (e) => e.key === "detacher@1.0.0");
  events.stop();
  if (server.stats().isolation?.process.memory.startsWith("cgroup")) {
    await eventually(() => !alive(sleep));
  } else {
    // No cgroup here (docs/isolation.md says so): the process escapes the group's kill.
    expect(alive(sleep)).toBe(true);
    process.kill(sleep, "SIGKILL");
  }
});

test("under a thread floor, an app that chose process keeps its folder closed: a version added later is given to its group", async () => {
  const mixed = tempAppsDir();
  const threadServer = await startTestServer({ APPS_DIR: mixed.dir });
  try {
    writeAppCode(mixed.dir, "chooser", CRASHER, { isolation: "process" });
    writeApp(mixed.dir, "plain", "hello", {});
    await threadServer.catalog.refresh();
    expect((await call(threadServer.at("/chooser/"))).status).toBe(200);
    expect(statSync(join(mixed.dir, "chooser")).mode & 0o777).toBe(0o750);
    const later = writeAppCode(mixed.dir, "chooser", CRASHER, { isolation: "process" }, "1.0.1");
    await eventually(() => (statSync(join(later, "index.ts")).mode & 0o777) === 0o640, 5000);
    expect(statSync(join(mixed.dir, "plain")).mode & 0o777).toBe(0o755); // a thread app's is left alone
    expect((await call(threadServer.at("/chooser@1.0.1/"))).status).toBe(200);
  } finally {
    await stopThenRemove(threadServer, mixed);
  }
});

describe("the real server process", () => {
  let blockApps: ReturnType<typeof tempAppsDir>;
  afterEach(() => {
    killServerProcesses();
    blockApps?.remove();
  });

  test("survives an app's abort; SIGTERM with apps blocked in system calls exits 0 within SHUTDOWN_TIMEOUT, nothing left", async () => {
    blockApps = tempAppsDir("block-sleep");
    writeApp(blockApps.dir, "block-exec", "block-exec", { env: { PATH: "/usr/bin:/bin" } });
    writeAppCode(blockApps.dir, "crasher", CRASHER);
    const server = await startServerProcess({
      APPS_DIR: blockApps.dir,
      BUNTIME_ISOLATION: "process",
      SHUTDOWN_TIMEOUT: "2",
    });
    const isolation = (await (await fetch(server.at("/_/stats"), { headers: ADMIN_HEADERS })).json()).isolation;
    expect(isolation).toMatchObject({ floor: "process", process: { user: "nobody" } });
    expect((await call(server.at("/crasher/?do=abort"))).code).toBe("WORKER_CRASHED");
    expect(alive(server.proc.pid)).toBe(true);
    expect((await call(server.at("/crasher/"))).status).toBe(200);

    const seconds = `60.${String(Date.now() % 100_000).padStart(5, "0")}2`;
    const blocked = [
      call(server.at("/block-sleep/block?ms=60000")),
      call(server.at(`/block-exec/block?s=${seconds}`)),
    ].map((answer) => answer.catch((error: Error) => error));
    const stats = async () =>
      (await (await fetch(server.at("/_/stats"), { headers: ADMIN_HEADERS })).json()) as {
        workers: { inFlight: number }[];
      };
    await eventually(async () => (await stats()).workers.filter((w) => w.inFlight > 0).length === 2, 15_000);
    await eventually(() => processesRunning(["sleep", seconds]).length > 0, 5000);

    const signalledAt = performance.now();
    server.proc.kill("SIGTERM");
    const status = await server.proc.exited;
    expect(performance.now() - signalledAt).toBeLessThan(2000 + SHUTDOWN_MARGIN_MS);
    // Killed, not abandoned: a process group can always be ended.
    expect(status).toBe(0);
    for (const answer of await Promise.all(blocked)) {
      expect(answer instanceof Error ? answer.message : answer.code).toBe("SHUTTING_DOWN");
    }
    expect(processesRunning(["sleep", seconds])).toEqual([]);
  }, 30_000);

  test("a server killed outright (SIGKILL, no supervisor): its worker processes and their subprocesses end too", async () => {
    blockApps = tempAppsDir();
    writeAppCode(blockApps.dir, "spawner", SPAWNER);
    const server = await startServerProcess({
      APPS_DIR: blockApps.dir,
      BUNTIME_ISOLATION: "process",
      BUNTIME_SUPERVISOR: "0",
    });
    const { sleep, worker } = (await call(server.at("/spawner/"))).body as { sleep: number; worker: number };
    expect([alive(sleep), alive(worker)]).toEqual([true, true]);
    server.proc.kill("SIGKILL");
    await server.proc.exited;
    await eventually(() => !alive(worker) && !alive(sleep), 5000);
  }, 20_000);
});

/** Pids of running processes whose command line is `argv`. */
function processesRunning(argv: string[]): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, "utf8") === `${argv.join("\0")}\0` && alive(Number(entry))) {
        pids.push(Number(entry));
      }
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}
