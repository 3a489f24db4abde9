import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { normaliseConfig } from "../server/src/config/buntime-config.ts";
import type { RunningServer } from "../server/src/server.ts";
import { type EventLog, recordEvents, writeApp } from "./_pool-helpers.ts";
import {
  ADMIN_HEADERS,
  FIXTURE_APPS,
  ROOT,
  startTestServer,
  stopThenRemove,
  type TestServer,
  tempAppsDir,
} from "./_setup.ts";
import { tarGz } from "./support/archives.ts";

const RECORDER = resolve(ROOT, "fixtures/plugins/recorder.ts");
const THROWS_WHEN_ASKED = resolve(ROOT, "fixtures/plugins/throws-when-asked.ts");

async function serverWith(plugins: unknown[], configEnv: Record<string, string> = {}): Promise<RunningServer> {
  return startTestServer({}, { config: normaliseConfig({ plugins }, ROOT), configEnv });
}

/** The shared hook log, without the entries that reading it adds. */
const calls = async (server: RunningServer, name: string): Promise<string[]> => {
  const log = (await (
    await fetch(new URL(`/_/${name}/calls`, server.url), { headers: ADMIN_HEADERS })
  ).json()) as string[];
  return log.filter((line) => !line.includes("/calls"));
};

describe("plugin hooks", () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await serverWith(
      [
        [RECORDER, { name: "late", priority: 200 }],
        [RECORDER, { name: "first", priority: 1, answer: true }],
        [RECORDER, { name: "needs-first", priority: 0, dependencies: ["first"], rewrite: true }],
        [RECORDER, { name: "vars", echo: { issuer: "${TEST_ISSUER}/realms/${TEST_REALM}" } }],
      ],
      { TEST_ISSUER: "http://127.0.0.1:9", TEST_REALM: "test" },
    );
  });
  afterAll(() => server.stop());

  test("onInit runs in priority order, dependencies first", async () => {
    const log = await calls(server, "first");
    expect(log.filter((l) => l.endsWith(":onInit"))).toEqual([
      "first:onInit",
      "needs-first:onInit",
      "vars:onInit",
      "late:onInit",
    ]);
  });

  test("onRequest sees the resolved app; onResponse runs on the way back", async () => {
    const before = (await calls(server, "first")).length;
    const res = await fetch(new URL("/echo/x", server.url));
    expect(res.status).toBe(200);
    expect(res.headers.get("x-seen-by")).toBe("first, needs-first, vars, late");
    const log = (await calls(server, "first")).slice(before);
    expect(log.slice(0, 4)).toEqual([
      "first:onRequest:echo@1.0.0",
      "needs-first:onRequest:echo@1.0.0",
      "vars:onRequest:echo@1.0.0",
      "late:onRequest:echo@1.0.0",
    ]);
  });

  test("a Request returned by onRequest replaces the request the app sees", async () => {
    const body = (await (await fetch(new URL("/echo/x", server.url))).json()) as { headers: Record<string, string> };
    expect(body.headers["x-rewritten-by"]).toBe("needs-first");
  });

  test("a Response returned by onRequest answers; later plugins and the app are skipped", async () => {
    const res = await fetch(new URL("/echo/answer-me", server.url));
    expect(await res.text()).toBe("answered by first");
    const log = await calls(server, "first");
    // No onRequest after the answer; every onResponse still sees the answer on its way out.
    expect(log.at(-5)).toBe("first:onRequest:echo@1.0.0");
    expect(log.slice(-4).every((l) => l.endsWith(":onResponse:/echo/answer-me"))).toBe(true);
  });

  test("${VAR} in options is replaced from the environment", async () => {
    const options = (await (
      await fetch(new URL("/_/vars/options", server.url), { headers: ADMIN_HEADERS })
    ).json()) as { echo: unknown };
    expect(options.echo).toEqual({ issuer: "http://127.0.0.1:9/realms/test" });
  });

  test("onInit gets the runtime's settings", async () => {
    const runtime = await (await fetch(new URL("/_/first/runtime", server.url), { headers: ADMIN_HEADERS })).json();
    expect(runtime).toEqual({
      appsDir: FIXTURE_APPS,
      poolSize: 100,
      maxBodySize: 10 * 1024 * 1024,
      shutdownTimeoutSeconds: 10,
      nodeId: expect.any(String),
    });
  });

  test("onWorkerSpawn is called when a worker starts", async () => {
    await fetch(new URL("/hello@1.0.0/", server.url));
    expect(await calls(server, "first")).toContain("first:onWorkerSpawn:hello");
  });

  test("internal routes also pass through the hooks", async () => {
    const before = (await calls(server, "first")).length;
    await fetch(new URL("/_/health", server.url));
    expect((await calls(server, "first")).slice(before)).toContain("first:onRequest:/_/health");
  });
});

describe("what hooks are given", () => {
  // One app, `once`: echo with its own timeout, recycled after every request (maxRequests: 1).
  let apps: ReturnType<typeof tempAppsDir>;
  let server: TestServer;
  let events: EventLog;
  beforeAll(async () => {
    apps = tempAppsDir();
    writeApp(apps.dir, "once", "echo", { timeout: 7, maxRequests: 1 });
    server = await startTestServer(
      { APPS_DIR: apps.dir },
      { config: normaliseConfig({ plugins: [[RECORDER, { name: "ctx" }]] }, ROOT) },
    );
    events = recordEvents(server.pool.events);
  });
  afterAll(async () => {
    events.stop();
    await stopThenRemove(server, apps);
  });

  type Seen = { plugin: string; hook: string; path: string; requestId: string; app: unknown };
  /** What this server's `ctx` plugin found in `ctx` for the request with id `requestId`. */
  const contextsOf = async (requestId: string): Promise<Seen[]> => {
    const all = (await (await server.admin("/_/ctx/contexts")).json()) as Seen[];
    return all.filter((seen) => seen.plugin === "ctx" && seen.requestId === requestId);
  };

  test("ctx.requestId is the client's x-request-id when it sends one, in onRequest and onResponse", async () => {
    const res = await fetch(server.at("/once/x"), { headers: { "x-request-id": "client-chosen-id-7" } });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-request-id")).toBe("client-chosen-id-7");
    await res.body?.cancel();
    const seen = await contextsOf("client-chosen-id-7");
    expect(seen.map((s) => [s.hook, s.path])).toEqual([
      ["onRequest", "/once/x"],
      ["onResponse", "/once/x"],
    ]);
  });

  test("without one, ctx.requestId is the id the runtime made: the one the response carries", async () => {
    const res = await fetch(server.at("/once/y"));
    expect(res.status).toBe(200);
    await res.body?.cancel();
    const id = res.headers.get("x-request-id") as string;
    expect(id).toBeTruthy();
    expect((await contextsOf(id)).map((s) => s.hook)).toEqual(["onRequest", "onResponse"]);
  });

  test("ctx.app is the resolved app with its config", async () => {
    const res = await fetch(server.at("/once@1/z"), { headers: { "x-request-id": "app-ctx-test" } });
    expect(res.status).toBe(200);
    await res.body?.cancel();
    const seen = await contextsOf("app-ctx-test");
    expect(seen).toHaveLength(2);
    for (const { app } of seen) {
      expect(app).toMatchObject({ name: "once", version: "1.0.0", config: { timeout: 7, maxRequests: 1 } });
    }
  });

  test("onWorkerTerminate is called when a worker ends (here: recycled after maxRequests: 1)", async () => {
    const earlier = new Set(events.of("terminate", "once@1.0.0"));
    const res = await fetch(server.at("/once/"));
    expect(res.status).toBe(200);
    await res.body?.cancel();
    const terminated = await events.next("terminate", (e) => e.key === "once@1.0.0" && !earlier.has(e));
    expect(terminated.reason).toBe("max-requests");
    // The hook runs right after the pool's event, so by now once per worker ended, this one included.
    const hooked = (await calls(server, "ctx")).filter((l) => l === "ctx:onWorkerTerminate:once:max-requests");
    expect(hooked.length).toBeGreaterThanOrEqual(earlier.size + 1);
  });
});

describe("a throwing hook fails closed", () => {
  for (const hook of ["onRequest", "onResponse"] as const) {
    test(`${hook} → 500 PLUGIN_FAILED, the app's answer never leaks`, async () => {
      const server = await serverWith([[RECORDER, { name: "broken", throwIn: hook }]]);
      try {
        const res = await fetch(new URL("/echo/x", server.url));
        expect(res.status).toBe(500);
        const body = (await res.json()) as { error: { code: string; message: string } };
        expect(body.error.code).toBe("PLUGIN_FAILED");
        expect(body.error.message).toContain("broken");
      } finally {
        await server.stop();
      }
    });
  }

  test("onShutdown runs on stop, in reverse order", async () => {
    const server = await serverWith([
      [RECORDER, { name: "a", priority: 1 }],
      [RECORDER, { name: "b", priority: 2 }],
    ]);
    const url = server.url;
    const before = (await (await fetch(new URL("/_/a/calls", url), { headers: ADMIN_HEADERS })).json()) as string[];
    await server.stop();
    const { default: recorder } = await import(RECORDER);
    // The log is shared by every instance: a new one reads it without a server.
    const reader = recorder({ name: "reader" });
    const log = (await (await reader.routes.request("/calls")).json()) as string[];
    expect(log.slice(before.length).filter((l: string) => l.endsWith("onShutdown"))).toEqual([
      "b:onShutdown",
      "a:onShutdown",
    ]);
  });
});

describe("a throwing onRequest: nothing behind it runs", () => {
  // throws-when-asked throws only for requests with this header, so one server shows the
  // failing request and, as the control, the same request served.
  const FAILING = { "x-test-throw": "1" };
  let apps: ReturnType<typeof tempAppsDir>;
  let server: TestServer;
  beforeAll(async () => {
    apps = tempAppsDir("echo");
    server = await startTestServer(
      { APPS_DIR: apps.dir },
      { config: normaliseConfig({ plugins: [THROWS_WHEN_ASKED] }, ROOT) },
    );
  });
  afterAll(() => stopThenRemove(server, apps));

  const pluginFailed = async (res: Response) => {
    expect(res.status).toBe(500);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("PLUGIN_FAILED");
  };

  /** Requests that echo's workers have served, as the pool counts them (/_/stats). */
  const servedByEcho = async () => {
    const stats = (await (await server.admin("/_/stats")).json()) as { workers: { app: string; requests: number }[] };
    return stats.workers.filter((w) => w.app === "echo").reduce((sum, w) => sum + w.requests, 0);
  };

  test("the app never sees the request", async () => {
    await pluginFailed(await fetch(server.at("/echo/x"), { method: "POST", headers: FAILING, body: "payload" }));
    expect(await servedByEcho()).toBe(0);
    // The control: the same request without the header reaches the app, and the count shows it.
    const served = await fetch(server.at("/echo/x"), { method: "POST", body: "payload" });
    expect(served.status).toBe(200);
    await served.body?.cancel();
    expect(await servedByEcho()).toBe(1);
  });

  test("an admin deployment is refused and nothing reaches APPS_DIR", async () => {
    const archive = await tarGz([
      { name: "index.ts", content: 'export default { fetch: () => new Response("x") };\n' },
    ]);
    const deploy = (headers: Record<string, string>) =>
      server.admin("/_/deployments/x/1.0.0", {
        method: "POST",
        headers: { ...headers, "content-type": "application/gzip" },
        body: new Blob([archive as Uint8Array<ArrayBuffer>]),
      });
    const before = readdirSync(apps.dir).sort();
    await pluginFailed(await deploy(FAILING));
    expect(existsSync(join(apps.dir, "x"))).toBe(false);
    expect(readdirSync(apps.dir).sort()).toEqual(before);
    expect((await fetch(server.at("/x/"))).status).toBe(404);
    // The control: the same archive without the header is deployed, so the 500 was the hook's.
    expect((await deploy({})).status).toBe(201);
    expect(existsSync(join(apps.dir, "x", "1.0.0"))).toBe(true);
  });
});

describe("required and optional plugins at start", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(ROOT, ".tmp-config-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const start = (config: object) => {
    const file = join(dir, `${crypto.randomUUID()}.jsonc`);
    writeFileSync(file, `// test config\n${JSON.stringify(config)}\n`);
    return Bun.spawn([process.execPath, "server/src/index.ts"], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? "", PORT: "0", HOST: "127.0.0.1", BUNTIME_CONFIG: file, LOG_LEVEL: "warn" },
      stdout: "pipe",
      stderr: "pipe",
    });
  };

  /**
   * Starts a config that must not start: its exit status and stderr. A server that starts anyway
   * is stopped at once (status 0), so the test fails at once instead of timing out.
   */
  const refusedStart = async (config: object) => {
    const child = start(config);
    void (async () => {
      let out = "";
      for await (const chunk of child.stdout) {
        out += new TextDecoder().decode(chunk);
        if (out.includes("listening on")) child.kill("SIGTERM");
      }
    })();
    const [status, stderr] = await Promise.all([child.exited, new Response(child.stderr).text()]);
    return { status, stderr };
  };

  test("@buntime/authz listed, not in required: a corrupt policy file still stops the start", async () => {
    const corrupt = join(dir, "corrupt-policies.json");
    writeFileSync(corrupt, '[{ "id": "cut-short');
    const { status, stderr } = await refusedStart({ plugins: [["@buntime/authz", { store: "file", path: corrupt }]] });
    expect(status).toBe(2);
    expect(stderr).toContain("plugin @buntime/authz");
    expect(stderr).toContain(corrupt);
  });

  test("@buntime/authn listed, not in required: an invalid issuer still stops the start, naming it", async () => {
    const { status, stderr } = await refusedStart({
      plugins: [["@buntime/authn", { provider: "oidc", issuer: "not a url" }]],
    });
    expect(status).toBe(2);
    expect(stderr).toContain("plugin @buntime/authn");
    expect(stderr).toContain("issuer");
  });

  test("a required plugin that fails to load stops the start with exit 2, naming it", async () => {
    const child = start({ required: ["./missing-plugin.ts"], plugins: ["./missing-plugin.ts"] });
    expect(await child.exited).toBe(2);
    expect(await new Response(child.stderr).text()).toContain("plugin ./missing-plugin.ts");
  });

  test("a required plugin whose onInit throws stops the start with exit 2", async () => {
    const child = start({ required: [RECORDER], plugins: [[RECORDER, { name: "boom", throwIn: "onInit" }]] });
    expect(await child.exited).toBe(2);
    expect(await new Response(child.stderr).text()).toContain("boom fails in onInit");
  });

  test("a missing dependency stops the start, naming both plugins", async () => {
    const child = start({ plugins: [[RECORDER, { name: "lonely", dependencies: ["absent"] }]] });
    expect(await child.exited).toBe(2);
    expect(await new Response(child.stderr).text()).toContain('plugin "lonely" depends on "absent"');
  });

  test("an optional plugin that fails is skipped with a warning and the server starts", async () => {
    const child = start({ plugins: ["./missing-plugin.ts", [RECORDER, { name: "fine" }]] });
    const reader = child.stdout.getReader();
    let out = "";
    while (!out.includes("listening on")) {
      const { value, done } = await reader.read();
      if (done) break;
      out += new TextDecoder().decode(value);
    }
    expect(out).toContain("skipping plugin: plugin ./missing-plugin.ts");
    const url = /listening on (\S+)/.exec(out)?.[1] as string;
    expect((await fetch(new URL("/_/fine/calls", url))).status).toBe(200);
    child.kill("SIGTERM");
    expect(await child.exited).toBe(0);
  });

  test("an invalid config names the field and exits 2", async () => {
    const child = start({ plugins: "nope" });
    expect(await child.exited).toBe(2);
    expect(await new Response(child.stderr).text()).toContain("plugins");
  });
});
