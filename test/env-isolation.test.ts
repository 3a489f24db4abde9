/**
 * docs/configuration.md#worker-config: an app's environment is exactly its config's `env`; the server's own
 * environment is never visible to it, nor to the processes it starts.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { run } from "./_run.ts";
import { killServerProcesses, type ServerProcess, startServerProcess } from "./_server-process.ts";
import { FIXTURE_APPS, ROOT, startTestServer, type TestServer } from "./_setup.ts";

const SECRET = `secret-${crypto.randomUUID()}`;
const LATE_SECRET = `late-secret-${crypto.randomUUID()}`;

let server: TestServer;
beforeAll(async () => {
  process.env.BUNTIME_TEST_SECRET = SECRET;
  server = await startTestServer();
});
afterAll(async () => {
  await server.stop();
  delete process.env.BUNTIME_TEST_SECRET;
  delete process.env.BUNTIME_TEST_LATE_SECRET;
});

interface EchoEnv {
  env: Record<string, string>;
  bunEnv: Record<string, string>;
}

test("process.env and Bun.env in an app are exactly its worker.jsonc env", async () => {
  const res = await fetch(server.at("/echo/"));
  expect(res.status).toBe(200);
  const text = await res.text();
  expect(text).not.toContain(SECRET);
  const { env, bunEnv } = JSON.parse(text) as EchoEnv;
  expect(env).toEqual({ GREETING: "hello from echo" });
  expect(bunEnv).toEqual({ GREETING: "hello from echo" });
});

test("nothing of the server's environment shows: not PATH, HOME, nor the secret", async () => {
  const { env } = (await (await fetch(server.at("/echo/"))).json()) as EchoEnv;
  expect(process.env.PATH).toBeDefined();
  expect(env.PATH).toBeUndefined();
  expect(env.HOME).toBeUndefined();
  expect(env.BUNTIME_TEST_SECRET).toBeUndefined();
});

// Before any other test starts config-ts-env or spawn-env, so that their workers start after this change.
test("a variable the server sets after start does not reach workers started later", async () => {
  process.env.BUNTIME_TEST_LATE_SECRET = LATE_SECRET;
  // config-ts-env's env comes from its worker.config.ts: exactly that, nothing else.
  const config = await fetch(server.at("/config-ts-env/"));
  expect(await config.json()).toEqual({ env: { FROM_CONFIG_TS: "yes" } });
  const spawn = await fetch(server.at("/spawn-env/"));
  expect(await spawn.text()).not.toContain(LATE_SECRET);
});

test("child processes an app starts do not get the server's environment", async () => {
  const res = await fetch(server.at("/spawn-env/"));
  expect(res.status).toBe(200);
  const text = await res.text();
  expect(text).not.toContain(SECRET);
  const outputs = JSON.parse(text) as Record<"spawned" | "spawnedSync" | "childProcess" | "shell", string>;
  for (const output of Object.values(outputs)) {
    expect(output).toContain("SPAWN_ENV_VISIBLE=from-worker-jsonc");
    expect(output).not.toContain("BUNTIME_TEST_SECRET");
    expect(output).not.toMatch(/^HOME=/m);
  }
  // Bun.spawn and Bun.spawnSync get exactly the app's env.
  expect(outputs.spawned.trim()).toBe("SPAWN_ENV_VISIBLE=from-worker-jsonc");
  expect(outputs.spawnedSync.trim()).toBe("SPAWN_ENV_VISIBLE=from-worker-jsonc");
});

describe("the server process and its supervisor (the real entry, as `npm start` runs it)", () => {
  const CANARY = `canary-${crypto.randomUUID()}`;
  let proc: ServerProcess;
  beforeAll(async () => {
    // A JSC option (the default value: it changes nothing here) that JSC reads only at start.
    proc = await startServerProcess({
      APPS_DIR: FIXTURE_APPS,
      SECRET_CANARY: CANARY,
      BUN_JSC_useGenerationalGC: "true",
    });
  });
  afterAll(() => killServerProcesses());

  interface Environs {
    /** The server's pid. */
    pid: number;
    environ: string[];
    ancestors: { pid: number; cmdline: string[]; environ: string[] | null }[];
  }

  test("an app finds a secret the server started with in no start-up environment: its own, its parent's, any ancestor's", async () => {
    // The walk stops at this test runner: what started it is none of the server's business.
    const res = await fetch(proc.at(`/proc-environ/?stop=${process.pid}`));
    expect(res.status).toBe(200);
    const { environ, ancestors } = (await res.json()) as Environs;
    const holding = (list: string[] | null) => (list ?? []).some((entry) => entry.includes(CANARY));
    expect(holding(environ)).toBe(false);
    expect(ancestors.filter((ancestor) => holding(ancestor.environ)).map((ancestor) => ancestor.pid)).toEqual([]);
    expect(environ.length).toBeGreaterThan(0);
    // Not vacuous: the parent read is the supervisor, the process the canary was given to, and
    // the walk went on past it (to this test runner, which never had the canary).
    const [parent, ...above] = ancestors;
    expect(parent?.pid).toBe(proc.proc.pid);
    expect(parent?.cmdline.join(" ")).toContain("server/src/index.ts");
    expect(parent?.environ?.length).toBeGreaterThan(0);
    expect(above.map((ancestor) => ancestor.pid)).toEqual([process.pid]);
  });

  test("a JSC option (BUN_JSC_*) reaches the server's start-up environment, the only place JSC reads it", async () => {
    const { environ } = (await (await fetch(proc.at("/proc-environ/"))).json()) as Environs;
    expect(environ).toContain("BUN_JSC_useGenerationalGC=true");
  });

  test("the server itself still has the whole environment it was started with", async () => {
    // APPS_DIR came only through the environment: served fixtures prove the server received it.
    expect((await fetch(proc.at("/hello/"))).status).toBe(200);
  });

  test("the re-executed supervisor still exits with the server's status (a server killed by SIGKILL: 137)", async () => {
    const own = await startServerProcess({ APPS_DIR: FIXTURE_APPS, SECRET_CANARY: CANARY });
    const { pid } = (await (await fetch(own.at("/proc-environ/"))).json()) as Environs;
    expect(pid).not.toBe(own.proc.pid);
    process.kill(pid, "SIGKILL");
    expect(await own.proc.exited).toBe(137);
  });
});

test("a supervisor told to adopt a process that is not its child refuses, and starts no server", async () => {
  const {
    code: status,
    stdout,
    stderr,
  } = await run([process.execPath, "server/src/index.ts"], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", BUNTIME_SERVER_PID: "1", BUNTIME_SUPERVISOR_DEADLINE_MS: "1000" },
  });
  expect(status).toBe(1);
  expect(stderr).toContain("BUNTIME_SERVER_PID");
  expect(stdout).not.toContain("listening");
});
