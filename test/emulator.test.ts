/**
 * The emulator's own lifecycle: options and start-up (port clash, readiness timeout), run-time
 * deploy and remove, in-process fetch against the socket, and dispose (idempotent, mid-request,
 * nothing left behind: workers, virtual timers, temp folders).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readlinkSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { envSchema } from "@buntime/server";
import { VirtualClock } from "@buntime/server/testing";
import {
  createEmulator,
  type Emulator,
  EmulatorError,
  type EmulatorOptions,
  emulatorOptionsSchema,
  emulatorTest,
  type LifecycleEvent,
} from "buntime-emulator";
import { eventually, FIXTURE_APPS, ROOT, tempAppsDir } from "./_setup.ts";

const HELLO = resolve(FIXTURE_APPS, "hello/1.0.0");
const HELLO_2 = resolve(FIXTURE_APPS, "hello/2.0.0");
const ECHO = resolve(FIXTURE_APPS, "echo/1.0.0");
const SLOW = resolve(FIXTURE_APPS, "slow/1.0.0");
const WHOAMI = resolve(FIXTURE_APPS, "whoami/1.0.0");
const NEVER_READY = resolve(ROOT, "fixtures/plugins/never-ready.ts");

/**
 * Runs `body` with `os.tmpdir()` pointing at a fresh folder, so the emulator's temp folders
 * can be found (and counted) without racing other processes that use the shared /tmp.
 */
async function inPrivateTmpdir<T>(body: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), "emulator-test-"));
  const previous = process.env.TMPDIR;
  process.env.TMPDIR = dir;
  try {
    return await body(dir);
  } finally {
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Resolves with the rejection of `promise` (fails the test if it resolves). */
async function rejection(promise: Promise<unknown>): Promise<EmulatorError> {
  const outcome = await promise.then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(outcome).toBeInstanceOf(EmulatorError);
  return outcome as EmulatorError;
}

/** Every file under `dir` with its size and mtime: a fingerprint to compare before and after. */
function fingerprint(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .sort()
    .map((file) => {
      const stat = statSync(join(dir, file));
      return `${file} ${stat.size} ${stat.mtimeMs}`;
    });
}

const body = async (res: Response) => ({ status: res.status, body: await res.text() });

describe("options", () => {
  const apps = FIXTURE_APPS;
  test.each<[string, unknown]>([
    ["apps:", {}],
    ["apps:", { apps: "" }],
    ["apps.Hello@1.0.0: expected name@version", { apps: { "Hello@1.0.0": HELLO } }],
    ["port:", { apps, port: 70_000 }],
    ["port:", { apps, port: 1.5 }],
    ["clock:", { apps, clock: "fast" }],
    ["poolSize:", { apps, poolSize: 0 }],
    ["maxBodySize:", { apps, maxBodySize: -1 }],
    ["startTimeoutMs:", { apps, startTimeoutMs: 0 }],
    ["logLevel:", { apps, logLevel: "loud" }],
    ["mocks:", { apps, mocks: "" }],
    ["env.A:", { apps, env: { A: 1 } }],
    ["config:", { apps, config: 5 }],
    ['Unrecognized key: "colour"', { apps, colour: true }],
  ])("INVALID_OPTIONS names the field: %s", async (field, options) => {
    const error = await rejection(createEmulator(options as EmulatorOptions));
    expect(error.code).toBe("INVALID_OPTIONS");
    expect(error.message).toContain(field);
  });

  test("the runtime's limits default to the server's own (POOL_SIZE, MAX_BODY_SIZE), read from its schema", () => {
    const server = envSchema.parse({});
    const emulator = emulatorOptionsSchema.parse({ apps });
    expect(emulator.poolSize).toBe(server.POOL_SIZE);
    expect(emulator.maxBodySize).toBe(server.MAX_BODY_SIZE);
  });

  test("an apps folder that does not exist is INVALID_OPTIONS, and no temp folder is left", async () => {
    await inPrivateTmpdir(async (tmp) => {
      const missing = resolve(ROOT, "fixtures/no-such-apps");
      const error = await rejection(createEmulator({ apps: missing }));
      expect(error.code).toBe("INVALID_OPTIONS");
      expect(error.message).toContain(`apps: ${missing} is not a folder`);
      const mapped = await rejection(createEmulator({ apps: { "x@1.0.0": missing } }));
      expect(mapped.message).toContain('apps["x@1.0.0"]');
      const file = await rejection(createEmulator({ apps: resolve(ROOT, "package.json") }));
      expect(file.code).toBe("INVALID_OPTIONS");
      expect(readdirSync(tmp)).toEqual([]);
    });
  });

  test("deploy refuses a name, a version or a folder the server would refuse, as INVALID_OPTIONS", async () => {
    const emu = await createEmulator({ apps: FIXTURE_APPS, config: { plugins: [] } });
    try {
      const hello = resolve(FIXTURE_APPS, "hello/1.0.0");
      for (const [name, version, folder, says] of [
        ["Bad Name", "1.0.0", hello, '"Bad Name" is not an app name'],
        ["ok", "v1", hello, '"v1" is not a version'],
        ["ok", "1.0.0", resolve(ROOT, "does/not/exist"), "is not a folder"],
      ] as const) {
        const error = await rejection(emu.deploy(name, version, folder));
        expect({ code: error.code, message: error.message.includes(says) }).toEqual({
          code: "INVALID_OPTIONS",
          message: true,
        });
      }
      expect((await emu.fetch("/ok/")).status).toBe(404);
    } finally {
      await emu.dispose();
    }
  });
});

describe("start-up", () => {
  test("a port in use falls back to a free one, which serves", async () => {
    const squatter = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response("squatter") });
    try {
      const emu = await createEmulator({ apps: { "hello@1.0.0": HELLO }, port: squatter.port as number });
      try {
        expect(new URL(emu.url).port).not.toBe(String(squatter.port));
        const res = await fetch(new URL("/hello/", emu.url));
        expect(await res.json()).toMatchObject({ app: "hello" });
      } finally {
        await emu.dispose();
      }
    } finally {
      squatter.stop(true);
    }
  });

  test("a plugin that never finishes onInit: START_TIMEOUT, quickly, and no temp folder left", async () => {
    await inPrivateTmpdir(async (tmp) => {
      const started = performance.now();
      const error = await rejection(
        createEmulator({ apps: { "hello@1.0.0": HELLO }, config: { plugins: [NEVER_READY] }, startTimeoutMs: 150 }),
      );
      expect(error.code).toBe("START_TIMEOUT");
      expect(performance.now() - started).toBeLessThan(2000);
      expect(readdirSync(tmp)).toEqual([]);
    });
  });
});

describe("dispose", () => {
  test("is idempotent: a second call returns the same promise, and a later one resolves too", async () => {
    const emu = await createEmulator({ apps: { "hello@1.0.0": HELLO } });
    await emu.fetch("/hello/");
    const first = emu.dispose();
    expect(emu.dispose()).toBe(first);
    await first;
    await emu.dispose();
  });

  test("fetch after dispose rejects with DISPOSED", async () => {
    const emu = await createEmulator({ apps: { "hello@1.0.0": HELLO } });
    await emu.dispose();
    expect((await rejection(emu.fetch("/hello/"))).code).toBe("DISPOSED");
  });

  test("during a request: the request settles (503 SHUTTING_DOWN) and dispose does not hang", async () => {
    const emu = await createEmulator({ apps: { "slow@1.0.0": SLOW } });
    await (await emu.fetch("/slow/?ms=0")).text(); // the worker is up
    const inFlight = emu.fetch("/slow/?ms=60000");
    await Bun.sleep(50); // the request is inside the worker
    const started = performance.now();
    await emu.dispose();
    const res = await inFlight;
    expect(performance.now() - started).toBeLessThan(2000);
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ error: { code: "SHUTTING_DOWN" } });
  });

  test("emu.events iteration ends after dispose, with the terminations in it", async () => {
    const emu = await createEmulator({ apps: { "hello@1.0.0": HELLO } });
    const seen: LifecycleEvent[] = [];
    const ended = (async () => {
      for await (const event of emu.events) seen.push(event);
    })();
    await emu.fetch("/hello/");
    await emu.dispose();
    await ended; // would hang if the iteration did not end
    expect(seen.map((e) => e.type)).toEqual(["spawn", "ready", "recycle", "terminate"]);
    expect(seen.at(-1)).toMatchObject({ key: "hello@1.0.0", reason: "shutdown" });
  });

  test("leaves no workers and no virtual timers: every spawn has its terminate", async () => {
    // The virtual clock is the emulator's own; its `pending` count is read through a spy on the class.
    const clocks = new Set<VirtualClock>();
    const setTimer = VirtualClock.prototype.setTimeout;
    VirtualClock.prototype.setTimeout = function (this: VirtualClock, callback, ms) {
      clocks.add(this);
      return setTimer.call(this, callback, ms);
    };
    try {
      const emu = await createEmulator({ apps: FIXTURE_APPS, clock: "virtual" });
      const events: LifecycleEvent[] = [];
      const ended = (async () => {
        for await (const event of emu.events) events.push(event);
      })();
      await Promise.all(["/hello/", "/whoami/", "/echo/", "/whoami/"].map((path) => emu.fetch(path)));
      const inFlight = emu.fetch("/slow/?ms=60000");
      await Bun.sleep(50);
      expect(emu.stats().workers.length).toBe(4);
      expect([...clocks].reduce((sum, clock) => sum + clock.pending, 0)).toBeGreaterThan(0);

      await emu.dispose();
      await inFlight;
      await ended;
      expect(emu.stats().workers).toEqual([]);
      expect([...clocks].map((clock) => clock.pending)).toEqual([0]);
      const ids = (type: LifecycleEvent["type"]) =>
        events
          .filter((e) => e.type === type)
          .map((e) => e.workerId)
          .sort();
      expect(ids("spawn")).toHaveLength(4);
      expect(ids("terminate")).toEqual(ids("spawn"));
    } finally {
      VirtualClock.prototype.setTimeout = setTimer;
    }
  });

  test("removes the temp apps folder; the user's app folders are linked, never copied or changed", async () => {
    const before = [fingerprint(HELLO), fingerprint(ECHO)];
    await inPrivateTmpdir(async (tmp) => {
      const emu = await createEmulator({ apps: { "hello@1.0.0": HELLO, "echo@1.0.0": ECHO } });
      const [own] = readdirSync(tmp);
      expect(own).toStartWith("buntime-emulator-");
      const linked = join(tmp, own as string, "hello", "1.0.0");
      expect(lstatSync(linked).isSymbolicLink()).toBe(true);
      expect(readlinkSync(linked)).toBe(HELLO);
      await emu.fetch("/hello/");
      await emu.deploy("hello", "1.0.1", HELLO);
      await emu.remove("hello", "1.0.1");
      await emu.dispose();
      expect(readdirSync(tmp)).toEqual([]);
    });
    expect([fingerprint(HELLO), fingerprint(ECHO)]).toEqual(before);
  });
});

describe("outbound mocks", () => {
  const WEATHER = resolve(ROOT, "fixtures/app-repo/apps/weather/1.0.0");
  let scratch: string;
  beforeAll(() => {
    // Handler modules import msw, so they live inside the repository, where it resolves.
    mkdirSync(join(ROOT, ".tmp"), { recursive: true });
    scratch = mkdtempSync(join(ROOT, ".tmp", "mocks-"));
    for (const [name, celsius] of [
      ["warm", 30],
      ["cold", -5],
    ] as const) {
      writeFileSync(
        join(scratch, `${name}.ts`),
        `import { HttpResponse, http } from "msw";
export default [http.get("https://api.example.test/v1/current", () => HttpResponse.json({ temperature: { celsius: ${celsius} }, conditions: "${name}" }))];
`,
      );
    }
  });
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  test("two emulators in one process each answer with their own handlers", async () => {
    const [warm, cold] = await Promise.all(
      ["warm", "cold"].map((name) =>
        createEmulator({ apps: { "weather@1.0.0": WEATHER }, mocks: join(scratch, `${name}.ts`) }),
      ),
    );
    try {
      const today = async (emu: Emulator | undefined) =>
        (await (await (emu as Emulator).fetch("/weather/today?city=Oslo")).json()) as { tempC: number };
      expect((await today(warm)).tempC).toBe(30);
      expect((await today(cold)).tempC).toBe(-5);
    } finally {
      await Promise.all([warm?.dispose(), cold?.dispose()]);
    }
  });
});

describe("emulatorTest() in a describe block", () => {
  const env = emulatorTest({ apps: { "hello@1.0.0": HELLO } });
  let seen: Emulator | undefined;

  test("fetch reaches the emulator made in beforeAll", async () => {
    expect(await (await env.fetch("/hello/")).json()).toMatchObject({ app: "hello", version: "1.0.0" });
  });

  test("emu is that emulator, listening too", async () => {
    seen = env.emu;
    expect(await (await fetch(new URL("/hello/", env.emu.url))).json()).toMatchObject({ app: "hello" });
  });

  afterAll(async () => {
    // emulatorTest's own afterAll ran first (registered first): the emulator is gone.
    expect((await rejection((seen as Emulator).fetch("/hello/"))).code).toBe("DISPOSED");
  });
});

describe("deploy and remove at run time", () => {
  let emu: Emulator;
  beforeAll(async () => {
    emu = await createEmulator({ apps: { "hello@1.0.0": HELLO } });
  });
  afterAll(() => emu.dispose());

  const worker = async (path: string) => ((await (await emu.fetch(path)).json()) as { worker: string }).worker;

  test("a new app is served as soon as deploy resolves", async () => {
    expect((await emu.fetch("/echo/")).status).toBe(404);
    await emu.deploy("echo", "1.0.0", ECHO);
    expect((await emu.fetch("/echo/anything")).status).toBe(200);
  });

  test("a new version takes the unpinned path; the old one stays reachable pinned", async () => {
    await emu.deploy("hello", "2.0.0", HELLO_2);
    expect(await (await emu.fetch("/hello/")).json()).toMatchObject({ version: "2.0.0" });
    expect(await (await emu.fetch("/hello@1.0.0/")).json()).toMatchObject({ version: "1.0.0" });
  });

  test("config given to deploy wins over the folder's; deploying again without it restores the folder's", async () => {
    await emu.deploy("whoami", "1.0.0", WHOAMI, { maxRequests: 1 });
    expect(await worker("/whoami/")).not.toBe(await worker("/whoami/"));
    await emu.deploy("whoami", "1.0.0", WHOAMI); // worker.jsonc: maxRequests 3
    expect(await worker("/whoami/")).toBe(await worker("/whoami/"));
  });

  test("remove: the version is gone (404), and removing it again rejects", async () => {
    await emu.remove("echo", "1.0.0");
    const res = await emu.fetch("/echo/");
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: { code: "APP_NOT_FOUND" } });
    await expect(emu.remove("echo", "1.0.0")).rejects.toThrow("echo@1.0.0 is not deployed");
  });

  // Bun 1.4 caches where a symlink pointed (oven-sh/bun#42776); the server loads apps by their
  // real path, so a redeploy from another folder serves the new code.
  test("deploying name@version again from another folder serves the new folder's code", async () => {
    await emu.deploy("swap", "1.0.0", HELLO);
    expect(await (await emu.fetch("/swap/")).json()).toMatchObject({ app: "hello" });
    await emu.deploy("swap", "1.0.0", ECHO);
    expect(await (await emu.fetch("/swap/")).json()).not.toMatchObject({ app: "hello" });
  });
});

describe("in-process fetch and the socket give the same answer", () => {
  let emu: Emulator;
  beforeAll(async () => {
    emu = await createEmulator({ apps: FIXTURE_APPS });
  });
  afterAll(() => emu.dispose());

  test.each<[string, RequestInit | undefined]>([
    ["/hello@1/users?page=2", undefined],
    ["/hono-api/users/7", { headers: { "x-test": "1" } }],
    ["/hono-api/users", { method: "POST", body: '{"name":"Ada"}', headers: { "content-type": "application/json" } }],
    ["/custom-status/", undefined],
    ["/no-such-app/", undefined],
    ["/bad-config/", undefined],
  ])("%s", async (path, init) => {
    const inProcess = await emu.fetch(path, init);
    const overSocket = await fetch(new URL(path, emu.url), init);
    expect(overSocket.headers.get("content-type")).toBe(inProcess.headers.get("content-type"));
    expect(await body(overSocket)).toEqual(await body(inProcess));
  });
});

// Contract §3, for the folder form of `apps` (what `serve --apps DIR` runs): the emulator links
// the folder's versions into its own, and still sees the folder change as the server would.
describe("an apps folder changed on disk while the emulator runs", () => {
  const SEEN_WITHIN_MS = 2000;
  let apps: { dir: string; remove: () => void };
  let emu: Emulator;
  /** Writes `<name>/<version>/index.ts` answering `label` and an id made once per worker. */
  const answering = (name: string, version: string, label: string) => {
    mkdirSync(join(apps.dir, name, version), { recursive: true });
    writeFileSync(
      join(apps.dir, name, version, "index.ts"),
      `const id = crypto.randomUUID();\nexport default { fetch: () => Response.json({ label: ${JSON.stringify(label)}, id }) };\n`,
    );
  };
  const get = async (path: string) => {
    const res = await emu.fetch(path);
    const answer = res.status === 200 ? ((await res.json()) as { label: string; id: string }) : undefined;
    return { status: res.status, app: res.headers.get("x-buntime-app"), label: answer?.label, id: answer?.id };
  };
  beforeAll(async () => {
    apps = tempAppsDir();
    answering("a", "1.0.0", "v1");
    emu = await createEmulator({ apps: apps.dir });
  });
  afterAll(async () => {
    await emu?.dispose();
    apps.remove();
  });

  test("a version added is served, an edited one by a fresh worker, a removed one no longer", async () => {
    const before = await get("/a/");
    expect(before).toMatchObject({ app: "a@1.0.0", label: "v1" });
    answering("a", "1.0.0", "v1 edited");
    answering("a", "1.1.0", "v1.1");
    answering("b", "1.0.0", "b");
    await Promise.all([
      eventually(async () => (await get("/a@1.0.0/")).label === "v1 edited", SEEN_WITHIN_MS),
      eventually(async () => (await get("/a/")).app === "a@1.1.0", SEEN_WITHIN_MS),
      eventually(async () => (await get("/b/")).label === "b", SEEN_WITHIN_MS),
    ]);
    expect((await get("/a@1.0.0/")).id).not.toBe(before.id);
    rmSync(join(apps.dir, "a", "1.1.0"), { recursive: true });
    await eventually(async () => (await get("/a/")).app === "a@1.0.0", SEEN_WITHIN_MS);
  });

  test("what bun install writes (node_modules) is no change: the worker stays", async () => {
    const before = await get("/b/");
    mkdirSync(join(apps.dir, "b", "1.0.0", "node_modules"));
    writeFileSync(join(apps.dir, "b", "1.0.0", "node_modules", "dep.js"), "export {};\n");
    answering("marker", "1.0.0", "seen"); // after the write: once it is served, the write was looked at
    await eventually(async () => (await get("/marker/")).status === 200, SEEN_WITHIN_MS);
    expect((await get("/b/")).id).toBe(before.id as string);
  });

  test("deploy and remove win over the folder: it changing later does not undo them", async () => {
    await emu.deploy("b", "1.0.0", HELLO);
    await emu.remove("marker", "1.0.0");
    answering("c", "1.0.0", "c"); // the folder changes: it is looked at again
    await eventually(async () => (await get("/c/")).status === 200, SEEN_WITHIN_MS);
    expect((await get("/b/")).app).toBe("b@1.0.0");
    expect(await (await emu.fetch("/b/")).json()).toMatchObject({ app: "hello" });
    expect((await get("/marker/")).status).toBe(404);
  });
});
