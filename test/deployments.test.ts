import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, lstatSync, readdirSync, readFileSync, readlinkSync } from "node:fs";
import { join } from "node:path";
import type { Logger } from "../server/src/util/log.ts";
import { call, recordEvents, whenInFlight } from "./_pool-helpers.ts";
import { ADMIN_HEADERS, eventually, startTestServer, type TestServer, tempAppsDir } from "./_setup.ts";
import { tarGz, zip } from "./support/archives.ts";

const APP = `export default { fetch: (r) => new Response("deployed " + new URL(r.url).pathname) };\n`;
const APP_V2 = `export default { fetch: () => new Response("replaced") };\n`;
/** Answers `done <worker>` after `?ms=` milliseconds. */
const SLOW_APP = `const worker = crypto.randomUUID();
export default {
  async fetch(r) {
    await Bun.sleep(Number(new URL(r.url).searchParams.get("ms") ?? 0));
    return new Response("done " + worker);
  },
};\n`;
/** Answers its generation, `gen <n>`. */
const generation = (n: number) => `export default { fetch: () => new Response("gen ${n}") };\n`;

let apps: ReturnType<typeof tempAppsDir>;
let server: TestServer;

/** The pipeline's "request" log lines, for requests whose client is gone before the answer. */
const answered = new Map<string, PromiseWithResolvers<Record<string, unknown>>>();
const answerTo = (path: string) => {
  const entry = answered.get(path) ?? Promise.withResolvers<Record<string, unknown>>();
  answered.set(path, entry);
  return entry;
};
const logger: Logger = {
  debug() {},
  info: (msg, fields = {}) => void (msg === "request" && answerTo(String(fields.path)).resolve(fields)),
  warn() {},
  error() {},
  child: () => logger,
  isLevelEnabled: () => true,
};

beforeAll(async () => {
  apps = tempAppsDir("hello");
  server = await startTestServer({ APPS_DIR: apps.dir }, { logger });
});
afterAll(async () => {
  await server.stop();
  apps.remove();
});

/** Every path under APPS_DIR with its bytes (or link target): "byte-for-byte unchanged" is equality. */
function snapshot(dir = apps.dir, prefix = ""): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    const rel = `${prefix}${name}`;
    const stat = lstatSync(path);
    if (stat.isSymbolicLink()) out[rel] = `link:${readlinkSync(path)}`;
    else if (stat.isDirectory()) Object.assign(out, { [`${rel}/`]: "dir" }, snapshot(path, `${rel}/`));
    else out[rel] = Bun.hash(readFileSync(path)).toString();
  }
  return out;
}

const deploy = (method: string, path: string, body: Uint8Array, type = "application/gzip") =>
  server.admin(`/_/deployments/${path}`, {
    method,
    body: new Blob([body as Uint8Array<ArrayBuffer>]),
    headers: { "content-type": type },
  });

describe("a good archive", () => {
  test("POST makes it live at once: 201, then served", async () => {
    const archive = await tarGz([
      { name: "index.ts", content: APP },
      { name: "worker.jsonc", content: '{ "timeout": 5 }' },
    ]);
    const res = await deploy("POST", "fresh/1.0.0", archive);
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({
      name: "fresh",
      version: "1.0.0",
      entrypoint: "index.ts",
      config: { timeout: 5 },
    });
    const served = await fetch(server.at("/fresh/x"));
    expect(await served.text()).toBe("deployed /x");
  });

  test("a zip under one top-level folder works too", async () => {
    const archive = zip([{ name: "my-app/index.ts", content: APP }]);
    const res = await deploy("POST", "zipped/2.0.0", archive, "application/zip");
    expect(res.status).toBe(201);
    expect(await (await fetch(server.at("/zipped@2/y"))).text()).toBe("deployed /y");
  });

  test("POST on an existing version is 409 and changes nothing", async () => {
    const before = snapshot();
    const res = await deploy("POST", "fresh/1.0.0", await tarGz([{ name: "index.ts", content: APP_V2 }]));
    expect(res.status).toBe(409);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("DEPLOYMENT_EXISTS");
    expect(snapshot()).toEqual(before);
  });

  test("PUT replaces: 200, and the new code serves the next request", async () => {
    expect(await (await fetch(server.at("/fresh/"))).text()).toBe("deployed /");
    const res = await deploy("PUT", "fresh/1.0.0", await tarGz([{ name: "index.ts", content: APP_V2 }]));
    expect(res.status).toBe(200);
    expect(await (await fetch(server.at("/fresh/"))).text()).toBe("replaced");
  });

  test("GET lists versions with configs and entrypoints", async () => {
    const list = (await (await server.admin("/_/deployments")).json()) as {
      apps: { name: string; versions: { version: string }[] }[];
    };
    expect(list.apps.find((a) => a.name === "fresh")?.versions.map((v) => v.version)).toEqual(["1.0.0"]);
    const one = await server.admin("/_/deployments/hello/2.0.0");
    expect(await one.json()).toMatchObject({ name: "hello", version: "2.0.0", kind: "module", entrypoint: "index.ts" });
    expect((await server.admin("/_/deployments/hello/9.9.9")).status).toBe(404);
  });

  test("DELETE: 204, its workers drain, and the version is gone", async () => {
    // A live worker to drain. (The watcher may still recycle it for the PUT above, as "changed",
    // before the DELETE reaches it: either way, no worker of the version outlives the DELETE.)
    expect((await fetch(server.at("/fresh/"))).status).toBe(200);
    const live = () => server.pool.snapshot().filter((w) => w.app === "fresh" && w.version === "1.0.0");
    expect(live().length).toBeGreaterThan(0);
    const reasons: string[] = [];
    server.pool.events.on("recycle", (e) => {
      if (e.key === "fresh@1.0.0") reasons.push(e.reason);
    });
    const res = await server.admin("/_/deployments/fresh/1.0.0", { method: "DELETE" });
    expect(res.status).toBe(204);
    await eventually(() => live().length === 0, 10_000);
    expect(reasons.length).toBeGreaterThan(0);
    expect(reasons.every((reason) => reason === "removed" || reason === "changed")).toBe(true);
    expect((await fetch(server.at("/fresh/"))).status).toBe(404);
    expect((await server.admin("/_/deployments/fresh/1.0.0", { method: "DELETE" })).status).toBe(404);
  });
});

describe("a version in use", () => {
  test("DELETE while a request is in flight: 204, the request completes 200, then 404 and no worker left", async () => {
    const archive = await tarGz([
      { name: "index.ts", content: SLOW_APP },
      { name: "worker.jsonc", content: '{ "timeout": 10 }' },
    ]);
    expect((await deploy("POST", "draining/1.0.0", archive)).status).toBe(201);
    const events = recordEvents(server.pool.events);
    try {
      const inFlight = call(server.at("/draining/?ms=1500"));
      await whenInFlight(server.pool, "draining");
      const worker = server.pool.snapshot().find((w) => w.app === "draining")?.id;

      const res = await server.admin("/_/deployments/draining/1.0.0", { method: "DELETE" });
      expect(res.status).toBe(204);
      // Gone for new requests at once, while the old one is still being served.
      const after = await call(server.at("/draining/"));
      expect(after.status).toBe(404);
      expect(after.code).toBe("APP_NOT_FOUND");

      const answer = await inFlight;
      expect(answer.status).toBe(200);
      expect(answer.body).toStartWith("done ");
      // Drained: told to stop while the request was in flight, ended after it.
      const recycled = await events.next("recycle", (e) => e.workerId === worker);
      expect(recycled.reason).toBe("removed");
      expect(recycled.at).toBeLessThan(answer.doneAt);
      const terminated = await events.next("terminate", (e) => e.workerId === worker);
      expect(terminated.key).toBe("draining@1.0.0");
      expect(terminated.reason).toBe("removed");
      expect(server.pool.snapshot().filter((w) => w.app === "draining")).toEqual([]);
      expect((await server.admin("/_/deployments/draining/1.0.0")).status).toBe(404);
    } finally {
      events.stop();
    }
  });

  test("PUT is atomic: clients polling the version see the old or the new code, never a 404 or a 5xx", async () => {
    const created = await deploy("POST", "swapped/1.0.0", await tarGz([{ name: "index.ts", content: generation(0) }]));
    expect(created.status).toBe(201);
    const REPLACEMENTS = 8;
    const archives = await Promise.all(
      Array.from({ length: REPLACEMENTS }, (_, i) => tarGz([{ name: "index.ts", content: generation(i + 1) }])),
    );
    /** The generation whose PUT has been answered: from then on, nothing older is served. */
    let answered = 0;
    let putting = true;
    type Get = { status: number; body: unknown; code?: string; atLeast: number; sentAt: number; doneAt: number };
    const gets: Get[] = [];
    const puts: { sentAt: number; doneAt: number }[] = [];
    /** Resolved by the pollers once a request sent after the latest PUT's answer has been answered. */
    let servedAfterPut = Promise.withResolvers<void>();
    const poll = async () => {
      while (putting) {
        const atLeast = answered;
        const { status, body, code, sentAt, doneAt } = await call(server.at("/swapped/"));
        gets.push({ status, body: code ? body : String(body), code, atLeast, sentAt, doneAt });
        if (atLeast === answered) servedAfterPut.resolve();
      }
    };
    /** The admin view of the version must never find it missing either (docs/routes.md#deployments). */
    const listings: number[] = [];
    const pollListing = async () => {
      while (putting) listings.push((await server.admin("/_/deployments/swapped/1.0.0")).status);
    };
    const pollers = [poll(), poll(), poll(), pollListing()];
    try {
      for (const [i, archive] of archives.entries()) {
        const sentAt = performance.now();
        const res = await deploy("PUT", "swapped/1.0.0", archive);
        puts.push({ sentAt, doneAt: performance.now() });
        expect(res.status).toBe(200);
        // One replacement at a time: the next PUT once this one's code has served a client.
        // (Back-to-back replacements are the next test's subject.)
        servedAfterPut = Promise.withResolvers<void>();
        answered = i + 1;
        await servedAfterPut.promise;
      }
    } finally {
      putting = false;
      await Promise.all(pollers);
    }
    const bad = gets.filter((g) => g.status !== 200 || !/^gen \d$/.test(String(g.body)));
    expect(bad).toEqual([]);
    expect(listings.filter((status) => status !== 200)).toEqual([]);
    // Served from the moment of the answer: a request sent after PUT n's answer gets gen n or later.
    const stale = gets.filter((g) => Number(String(g.body).slice(4)) < g.atLeast);
    expect(stale).toEqual([]);
    // Every replacement happened while a client request was in flight (else the test proves nothing).
    const straddled = puts.filter((p) => gets.some((g) => g.sentAt < p.doneAt && g.doneAt > p.sentAt));
    expect(straddled).toHaveLength(REPLACEMENTS);
    expect(await (await fetch(server.at("/swapped/"))).text()).toBe(`gen ${REPLACEMENTS}`);
  }, 30_000);
});

describe("hostile or invalid archives are refused with 400 and nothing on disk changes", () => {
  const cases: [string, () => Promise<Uint8Array> | Uint8Array, string?][] = [
    [
      "path traversal",
      () =>
        tarGz([
          { name: "index.ts", content: APP },
          { name: "../evil.ts", content: "x" },
        ]),
    ],
    [
      "traversal inside a path",
      () =>
        tarGz([
          { name: "index.ts", content: APP },
          { name: "a/../../../evil", content: "x" },
        ]),
    ],
    [
      "an absolute path",
      () =>
        tarGz([
          { name: "/tmp/evil", content: "x" },
          { name: "index.ts", content: APP },
        ]),
    ],
    [
      "a symlink",
      () =>
        tarGz([
          { name: "index.ts", content: APP },
          { name: "link", type: "symlink", linkname: "/etc/passwd" },
        ]),
    ],
    [
      "a hard link",
      () =>
        tarGz([
          { name: "index.ts", content: APP },
          { name: "hard", type: "link", linkname: "index.ts" },
        ]),
    ],
    [
      "a device",
      () =>
        tarGz([
          { name: "index.ts", content: APP },
          { name: "dev", type: "character-device", devmajor: 1, devminor: 3 },
        ]),
    ],
    [
      "a zip symlink",
      () =>
        zip([
          { name: "index.ts", content: APP },
          { name: "link", content: "/etc/passwd", mode: 0o120777 },
        ]),
      "application/zip",
    ],
    ["a zip traversal", () => zip([{ name: "../../evil", content: "x" }]), "application/zip"],
    [
      "a zip bomb",
      () =>
        zip([
          { name: "index.ts", content: APP },
          { name: "zeros", content: new Uint8Array(300 * 1024 * 1024) },
        ]),
      "application/zip",
    ],
    [
      "an invalid config",
      () =>
        tarGz([
          { name: "index.ts", content: APP },
          { name: "worker.jsonc", content: '{ "timeout": "soon" }' },
        ]),
    ],
    ["no entrypoint", () => tarGz([{ name: "README.md", content: "nothing to run" }])],
    ["garbage bytes", () => new TextEncoder().encode("this is not a gzip file")],
    [
      "a newline in a name",
      () =>
        tarGz([
          { name: "index.ts", content: APP },
          { name: "forged\nline.ts", content: "x" },
        ]),
    ],
    [
      "a C1 control in a zip name",
      () =>
        zip([
          { name: "index.ts", content: APP },
          { name: "csi\x9b2J.ts", content: "x" },
        ]),
      "application/zip",
    ],
  ];
  for (const [name, make, type] of cases) {
    test(name, async () => {
      const before = snapshot();
      const res = await deploy("POST", "hostile/1.0.0", await make(), type);
      expect(res.status).toBe(400);
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe("DEPLOYMENT_INVALID");
      expect(body.error.message.length).toBeGreaterThan(0);
      expect(snapshot()).toEqual(before);
      expect((await fetch(server.at("/hostile/"))).status).toBe(404);
    });
  }
});

describe("refusals carry their codes (docs/errors.md), and nothing on disk changes", () => {
  /** Asserts the runtime's error shape and returns the message. */
  const refused = async (res: Response, status: number, code: string): Promise<string> => {
    expect(res.status).toBe(status);
    expect(res.headers.get("content-type")).toStartWith("application/json");
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe(code);
    expect(body.error.message.length).toBeGreaterThan(0);
    return body.error.message;
  };

  test.each([["text/plain"], ["application/octet-stream"], ["application/json"]])(
    "a body sent as %s (neither gzip nor zip) → 415 UNSUPPORTED_MEDIA_TYPE",
    async (type) => {
      const before = snapshot();
      const archive = await tarGz([{ name: "index.ts", content: APP }]);
      await refused(await deploy("POST", "typed/1.0.0", archive, type), 415, "UNSUPPORTED_MEDIA_TYPE");
      await refused(await deploy("PUT", "typed/1.0.0", archive, type), 415, "UNSUPPORTED_MEDIA_TYPE");
      expect(snapshot()).toEqual(before);
      expect((await fetch(server.at("/typed/"))).status).toBe(404);
    },
  );

  test.each([
    ["Bad_Name/1.0.0", "Bad_Name"],
    ["-leading-dash/1.0.0", "-leading-dash"],
    [`${"a".repeat(65)}/1.0.0`, "a".repeat(65)],
    ["ok/latest", "latest"],
    ["ok/1.0", "1.0"],
    ["ok/^1.0.0", "^1.0.0"],
  ])("%s → 400 DEPLOYMENT_INVALID, naming what is wrong", async (path, wrong) => {
    const before = snapshot();
    const archive = await tarGz([{ name: "index.ts", content: APP }]);
    const message = await refused(await deploy("POST", path, archive), 400, "DEPLOYMENT_INVALID");
    expect(message).toContain(wrong);
    expect(snapshot()).toEqual(before);
  });
});

describe("the listing", () => {
  test("GET /_/deployments shows each version's config and entrypoint", async () => {
    const archive = await tarGz([
      { name: "main.ts", content: APP },
      { name: "worker.jsonc", content: '{ "entrypoint": "main.ts", "timeout": 9, "maxRequests": 5 }' },
    ]);
    expect((await deploy("POST", "listed/1.0.0", archive)).status).toBe(201);
    expect((await deploy("POST", "listed/1.1.0", await tarGz([{ name: "index.ts", content: APP }]))).status).toBe(201);
    const list = (await (await server.admin("/_/deployments")).json()) as {
      apps: { name: string; versions: { version: string; entrypoint: string; config: Record<string, unknown> }[] }[];
    };
    // (In whatever order the listing gives them.)
    const listed = list.apps.find((a) => a.name === "listed")?.versions ?? [];
    expect(listed.map((v) => v.version).sort()).toEqual(["1.0.0", "1.1.0"]);
    expect(listed.find((v) => v.version === "1.0.0")).toMatchObject({
      entrypoint: "main.ts",
      config: { entrypoint: "main.ts", timeout: 9, maxRequests: 5 },
    });
    // No worker.jsonc: the defaults, and the entrypoint found on its own.
    expect(listed.find((v) => v.version === "1.1.0")).toMatchObject({
      entrypoint: "index.ts",
      config: { timeout: 30, maxRequests: 1000 },
    });
    // The fixtures copied into APPS_DIR are listed the same way.
    const hello = list.apps.find((a) => a.name === "hello");
    expect(hello?.versions.map((v) => v.version).sort()).toEqual(["1.0.0", "1.1.0", "2.0.0", "3.0.0-beta.1"]);
    for (const version of hello?.versions ?? []) {
      expect(version.entrypoint).toBe("index.ts");
      expect(version.config).toMatchObject({ timeout: expect.any(Number), idleTimeout: expect.any(Number) });
    }
  });
});

describe("uploads that are slow or cut off", () => {
  /** Staging folders of uploads in progress (the deployer makes one before it reads a byte). */
  const staged = () => {
    const dir = join(apps.dir, ".buntime-staging");
    return existsSync(dir) ? readdirSync(dir) : [];
  };

  test("an upload cut off mid-body is the client's fault: 400 DEPLOYMENT_INVALID, nothing written", async () => {
    const before = snapshot();
    const archive = await tarGz([{ name: "index.ts", content: APP + "//".repeat(100_000) }]);
    const path = "/_/deployments/cut-off/1.0.0";
    const head = [
      `POST ${path} HTTP/1.1`,
      "Host: 127.0.0.1",
      `Authorization: ${ADMIN_HEADERS.authorization}`,
      "Content-Type: application/gzip",
      `Content-Length: ${archive.byteLength}`,
    ].join("\r\n");
    const closed = Promise.withResolvers<void>();
    const socket = await Bun.connect({
      hostname: "127.0.0.1",
      port: Number(server.url.port),
      socket: { data() {}, close: () => closed.resolve(), error: () => closed.resolve() },
    });
    socket.write(`${head}\r\n\r\n`);
    socket.write(archive.subarray(0, archive.byteLength >> 1));
    await eventually(() => staged().length > 0); // the server is reading the body
    socket.end(); // and the client goes away
    await closed.promise;
    const logged = await answerTo(path).promise;
    expect(logged).toMatchObject({ status: 400, code: "DEPLOYMENT_INVALID" });
    expect(snapshot()).toEqual(before);
    expect(staged()).toEqual([]);
  });

  test("a DELETE is not held up by a slow upload of the same version: it answers while the upload trickles", async () => {
    expect((await deploy("POST", "trickle/1.0.0", await tarGz([{ name: "index.ts", content: APP }]))).status).toBe(201);
    const archive = await tarGz([{ name: "index.ts", content: APP_V2 }]);
    const release = Promise.withResolvers<void>();
    let sentHead = false;
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (!sentHead) {
          sentHead = true;
          controller.enqueue(archive.subarray(0, 20));
          return;
        }
        await release.promise; // a client that sends the rest only when told
        controller.enqueue(archive.subarray(20));
        controller.close();
      },
    });
    const putting = server.admin("/_/deployments/trickle/1.0.0", {
      method: "PUT",
      body,
      headers: { "content-type": "application/gzip" },
      duplex: "half",
    } as RequestInit);
    try {
      await eventually(() => staged().length > 0); // the server is reading the upload
      const deleting = server.admin("/_/deployments/trickle/1.0.0", { method: "DELETE" });
      let timer: ReturnType<typeof setTimeout> | undefined;
      const bound = new Promise<string>((resolve) => {
        timer = setTimeout(() => resolve("still waiting after 10 s"), 10_000);
      });
      expect(await Promise.race([deleting.then((res) => res.status), bound])).toBe(204);
      clearTimeout(timer);
      expect((await fetch(server.at("/trickle/"))).status).toBe(404);
    } finally {
      release.resolve();
    }
    // The upload then lands: the version was gone, so the PUT created it.
    expect((await putting).status).toBe(201);
    expect(await (await fetch(server.at("/trickle/"))).text()).toBe("replaced");
    expect(staged()).toEqual([]);
  }, 30_000);
});
