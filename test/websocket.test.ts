/**
 * WebSockets through workers (docs/websockets.md): a real server, real clients. The app
 * (fixtures/apps/ws-chat) is written for Bun.serve; here its sockets live in workers.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { VersionKey } from "../server/src/apps/version-key.ts";
import { normaliseConfig } from "../server/src/config/buntime-config.ts";
import { recordEvents, writeApp } from "./_pool-helpers.ts";
import { startServerProcess } from "./_server-process.ts";
import { eventually, ROOT, startTestServer, stopThenRemove, type TestServer, tempAppsDir } from "./_setup.ts";
import { openSocket, type TestSocket } from "./_ws-client.ts";
import { type OidcProvider, startOidcProvider } from "./support/oidc.ts";

const text = (message: string | Uint8Array | undefined) => String(message);
const workerOf = (greeting: string | Uint8Array) => text(greeting).split(" from ")[1];

describe("WebSockets through a worker", () => {
  let server: TestServer;
  beforeAll(async () => {
    // 1 s of grace for a draining worker's sockets; ws-chat-ttl recycles every 2 s (ttl).
    server = await startTestServer(
      { SHUTDOWN_TIMEOUT: "1", MAX_BODY_SIZE: "1mb" },
      { config: normaliseConfig({ plugins: ["@buntime/metrics"] }, ROOT) },
    );
  });
  afterAll(() => server.stop());

  test("10,000 mixed text and binary messages echo back in order", async () => {
    const socket = await openSocket(server.at("/ws-chat/?user=echo"));
    await socket.nth(0); // the greeting
    const count = 10_000;
    for (let i = 0; i < count; i++) {
      if (i % 3 === 0) socket.ws.send(new Uint8Array([i & 0xff, (i >> 8) & 0xff, 7]));
      else socket.ws.send(`m${i}`);
    }
    await socket.nth(count);
    const echoed = socket.messages.slice(1);
    expect(echoed.length).toBe(count);
    for (let i = 0; i < count; i++) {
      if (i % 3 === 0) expect(echoed[i]).toEqual(new Uint8Array([i & 0xff, (i >> 8) & 0xff, 7]));
      else expect(echoed[i]).toBe(`m${i}`);
    }
    socket.ws.close();
    await socket.closed;
  }, 60_000);

  test("open sockets show per worker in /_/stats and keep it from idling; closed, it goes idle", async () => {
    const socket = await openSocket(server.at("/ws-chat/"));
    await socket.nth(0);
    const worker = () => server.stats().workers.find((w) => w.app === "ws-chat");
    expect(worker()).toMatchObject({ sockets: 1, inFlight: 0, state: "active", idleMs: 0 });
    const prometheus = await (await server.admin("/_/metrics/prometheus")).text();
    expect(prometheus).toContain('buntime_websockets_open{app="ws-chat"} 1');
    socket.ws.close(1000, "done");
    expect(await socket.closed).toEqual({ code: 1000, reason: "done" });
    for (let i = 0; i < 100 && worker()?.sockets !== 0; i++) await Bun.sleep(10);
    expect(worker()).toMatchObject({ sockets: 0, state: "idle" });
  });

  test("the app's ws.close(code, reason) reaches the client", async () => {
    const socket = await openSocket(server.at("/ws-chat/"));
    socket.ws.send("close:4001:by the app");
    expect(await socket.closed).toEqual({ code: 4001, reason: "by the app" });
  });

  test("pub/sub reaches subscribers on both workers of the version; ws.publish skips the sender", async () => {
    const a = await openSocket(server.at("/ws-chat/?user=a"));
    const workerA = workerOf(await a.nth(0));
    // Hold the first worker's only slot (concurrency 1): the next upgrade starts the second.
    const held = fetch(server.at("/ws-chat/hold?ms=1500"));
    for (let i = 0; i < 200 && !server.stats().workers.some((w) => w.app === "ws-chat" && w.inFlight > 0); i++) {
      await Bun.sleep(5);
    }
    const b = await openSocket(server.at("/ws-chat/?user=b"));
    const workerB = workerOf(await b.nth(0));
    expect(workerB).not.toBe(workerA);
    a.ws.send("sub:room");
    b.ws.send("sub:room");
    await a.next((m) => m === "subscribed room true");
    await b.next((m) => m === "subscribed room true");
    a.ws.send("pub:room:hi from a");
    expect(text(await b.next((m) => text(m).includes("hi from a")))).toBe(`a@${workerA}: hi from a`);
    b.ws.send("spub:room:to all");
    expect(text(await a.next((m) => text(m).includes("to all")))).toBe(`server@${workerB}: to all`);
    await b.next((m) => text(m).includes("to all"));
    // The sender's own publish never came back to it.
    expect(a.messages.some((m) => text(m).includes("hi from a"))).toBe(false);
    b.ws.send("unsub:room");
    await b.next((m) => m === "unsubscribed room false");
    a.ws.send("pub:room:after");
    a.ws.send("who");
    await a.next((m) => text(m).startsWith("worker "));
    b.ws.send("who");
    await b.next((m) => text(m).startsWith("worker "));
    expect(b.messages.some((m) => text(m).includes("after"))).toBe(false);
    expect((await held).status).toBe(200);
    a.ws.close();
    b.ws.close();
  }, 30_000);

  test("a message over MAX_BODY_SIZE closes the socket with 1009", async () => {
    const socket = await openSocket(server.at("/ws-chat/"));
    await socket.nth(0);
    socket.ws.send(new Uint8Array(2 * 1024 * 1024));
    expect((await socket.closed).code).toBe(1009);
  });

  test("a crash closes the worker's sockets with 1011", async () => {
    const socket = await openSocket(server.at("/ws-chat/"));
    await socket.nth(0);
    socket.ws.send("exit");
    expect((await socket.closed).code).toBe(1011);
  });

  test("a recycle closes sockets with 1012 within SHUTDOWN_TIMEOUT; the client reconnects to the new worker", async () => {
    const socket = await openSocket(server.at("/ws-chat-ttl/"));
    const first = workerOf(await socket.nth(0));
    const started = performance.now();
    // ttl 2 s, then at most SHUTDOWN_TIMEOUT (1 s) for the socket.
    expect((await socket.closed).code).toBe(1012);
    expect(performance.now() - started).toBeLessThan(3000 + 2000);
    const again = await openSocket(server.at("/ws-chat-ttl/"));
    expect(workerOf(await again.nth(0))).not.toBe(first);
    again.ws.close();
  }, 20_000);

  test("a socket upgraded after its worker began draining still closes with 1012 within SHUTDOWN_TIMEOUT", async () => {
    // The app upgrades 800 ms after the request reaches it: the recycle comes in between.
    const opening = openSocket(server.at("/ws-chat/?wait=800"));
    const busy = () => server.stats().workers.find((w) => w.app === "ws-chat" && w.inFlight > 0);
    for (let i = 0; i < 400 && !busy(); i++) await Bun.sleep(5);
    const worker = busy();
    expect(worker).toBeDefined();
    server.pool.retire("ws-chat@1.0.0" as VersionKey, "changed");
    const socket = await opening;
    await socket.nth(0);
    const started = performance.now();
    const bound = new Promise<"still open">((resolve) => setTimeout(() => resolve("still open"), 8000));
    expect(await Promise.race([socket.closed.then((c) => c.code), bound])).toBe(1012);
    expect(performance.now() - started).toBeLessThan(1000 + 3000);
  }, 20_000);

  test("an upgrade made in-process (no connection) is answered 400", async () => {
    const response = await server.fetch(
      new Request(server.at("/ws-chat/"), {
        headers: { upgrade: "websocket", connection: "upgrade", "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==" },
      }),
    );
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe("REQUEST_INVALID");
  });

  test("a plain request to the WebSocket route is the app's to answer", async () => {
    const response = await fetch(server.at("/ws-chat/"));
    expect(response.status).toBe(426);
  });
});

describe("pub/sub stays within one version's workers", () => {
  let apps: ReturnType<typeof tempAppsDir>;
  let server: TestServer;
  const opened: TestSocket[] = [];
  beforeAll(async () => {
    // Two versions of ws-chat, and a copy of it under another name: three topic spaces.
    apps = tempAppsDir();
    writeApp(apps.dir, "ws-chat", "ws-chat", {}, "1.0.0");
    writeApp(apps.dir, "ws-chat", "ws-chat", {}, "2.0.0");
    writeApp(apps.dir, "ws-copy", "ws-chat", {});
    server = await startTestServer({ APPS_DIR: apps.dir });
  });
  afterAll(() => {
    // Closed first, even when the test failed: a server stopping with open sockets waits for them.
    for (const socket of opened) socket.ws.close();
    return stopThenRemove(server, apps);
  });

  test("a publish reaches its own version's subscribers, never another version's or another app's", async () => {
    const subscribed = async (path: string, user: string) => {
      const socket = await openSocket(server.at(`${path}?user=${user}`));
      opened.push(socket);
      await socket.nth(0);
      socket.ws.send("sub:room");
      await socket.next((m) => m === "subscribed room true");
      return socket;
    };
    const sender = await subscribed("/ws-chat@1.0.0/", "sender");
    const sameVersion = await subscribed("/ws-chat@1.0.0/", "same");
    const otherVersion = await subscribed("/ws-chat@2.0.0/", "other");
    const otherApp = await subscribed("/ws-copy/", "copy");

    sender.ws.send("pub:room:from a socket");
    sender.ws.send("spub:room:from the server");
    await sameVersion.next((m) => text(m).endsWith("from a socket"));
    await sameVersion.next((m) => text(m).endsWith("from the server"));
    // A round trip on each other socket: had a publish leaked to it, it would have come first.
    for (const socket of [otherVersion, otherApp]) {
      const seen = socket.messages.length;
      socket.ws.send("who");
      await socket.next((m) => text(m).startsWith("worker "), seen);
      const leaked = socket.messages.filter((m) => /from (a socket|the server)$/.test(text(m)));
      expect(leaked).toEqual([]);
    }
    // And the other way: version 2's publish reaches neither version 1 nor the copy.
    otherVersion.ws.send("spub:room:from version 2");
    expect(text(await otherVersion.next((m) => text(m).endsWith("from version 2")))).toStartWith("server@");
    for (const socket of [sameVersion, otherApp]) {
      const seen = socket.messages.length;
      socket.ws.send("who");
      await socket.next((m) => text(m).startsWith("worker "), seen);
      expect(socket.messages.some((m) => text(m).includes("from version 2"))).toBe(false);
    }
  });
});

describe("a worker's sockets and its lifetime", () => {
  let apps: ReturnType<typeof tempAppsDir>;
  let server: TestServer;
  const opened: TestSocket[] = [];
  beforeAll(async () => {
    apps = tempAppsDir();
    writeApp(apps.dir, "ws-removed", "ws-chat", {});
    writeApp(apps.dir, "ws-idle", "ws-chat", { idleTimeout: 1 });
    // 1 s of grace for a draining worker's sockets.
    server = await startTestServer({ APPS_DIR: apps.dir, SHUTDOWN_TIMEOUT: "1" });
  });
  afterAll(() => {
    for (const socket of opened) socket.ws.close();
    return stopThenRemove(server, apps);
  });

  test("deleting the version closes its sockets with 1012 within SHUTDOWN_TIMEOUT", async () => {
    const socket = await openSocket(server.at("/ws-removed/"));
    opened.push(socket);
    await socket.nth(0);
    const started = performance.now();
    const deleted = await server.admin("/_/deployments/ws-removed/1.0.0", { method: "DELETE" });
    expect(deleted.status).toBe(204);
    const bound = new Promise<"still open">((resolve) => setTimeout(() => resolve("still open"), 8000));
    expect(await Promise.race([socket.closed.then((c) => c.code), bound])).toBe(1012);
    // SHUTDOWN_TIMEOUT (1 s), with room for a loaded machine.
    expect(performance.now() - started).toBeLessThan(1000 + 3000);
  }, 20_000);

  test("a worker with an open socket is not idle past twice its idleTimeout; once the socket closes, it is", async () => {
    const events = recordEvents(server.pool.events);
    try {
      const socket = await openSocket(server.at("/ws-idle/"));
      opened.push(socket);
      const greeted = workerOf(await socket.nth(0));
      const worker = () => server.stats().workers.find((w) => w.app === "ws-idle");
      const id = worker()?.id;
      expect(id).toBeDefined();
      // idleTimeout is 1 s: let the worker grow twice as old with only the socket keeping it.
      await eventually(() => (worker()?.ageMs ?? 0) >= 2000, 6000);
      const idled = (e: { workerId: number; reason?: string }) => e.workerId === id && e.reason === "idle";
      expect(events.of("recycle").filter(idled)).toEqual([]);
      expect(events.of("terminate").filter(idled)).toEqual([]);
      expect(worker()).toMatchObject({ id, sockets: 1 });
      // The same worker still answers on the socket.
      const seen = socket.messages.length;
      socket.ws.send("who");
      expect(text(await socket.next((m) => text(m).startsWith("worker "), seen))).toBe(`worker ${greeted}`);
      // Closed, the worker goes idle and is terminated for it about idleTimeout later.
      socket.ws.close(1000, "done");
      await socket.closed;
      const terminated = await events.next("terminate", idled, 5000);
      expect(terminated).toMatchObject({ key: "ws-idle@1.0.0", workerId: id, reason: "idle" });
    } finally {
      events.stop();
    }
  }, 20_000);
});

describe("in a worker process (isolation: process)", () => {
  test("frames cross the process's channel in order, and its crash closes the socket with 1011", async () => {
    const server = await startTestServer({}, { configOverride: () => ({ isolation: "process" }) });
    try {
      const socket = await openSocket(server.at("/ws-chat/?user=p"));
      expect(String(await socket.nth(0))).toStartWith("hello p from ");
      socket.ws.send(new Uint8Array([1, 2, 3]));
      socket.ws.send("text");
      expect(await socket.nth(1)).toEqual(new Uint8Array([1, 2, 3]));
      expect(await socket.nth(2)).toBe("text");
      socket.ws.send("exit");
      expect((await socket.closed).code).toBe(1011);
    } finally {
      await server.stop();
    }
  }, 30_000);
});

describe("back-pressure", () => {
  test("a client that does not read, under an app flooding it, keeps the server's memory bounded", async () => {
    const server = await startTestServer();
    try {
      const rssBefore = process.memoryUsage().rss;
      const socket = await openSocket(server.at("/ws-chat/flood"));
      // Bun's client: stop reading, so the server's writes back up.
      (socket.ws as unknown as { pause(): void }).pause();
      let peak = 0;
      for (let i = 0; i < 30; i++) {
        await Bun.sleep(100);
        peak = Math.max(peak, process.memoryUsage().rss - rssBefore);
      }
      const stats = (await (await fetch(server.at("/ws-chat/flood-stats"))).json()) as Record<string, number>;
      // The app tried to send far more than the server holds (~64 MiB a second) and was told so.
      expect((stats.backpressured ?? 0) + (stats.dropped ?? 0)).toBeGreaterThan(0);
      expect(peak).toBeLessThan(256 * 1024 * 1024);
      // Reading again, the app's drain runs and frames flow.
      (socket.ws as unknown as { resume(): void }).resume();
      const received = socket.messages.length;
      await socket.nth(received + 50);
      for (let i = 0; i < 200; i++) {
        const now = (await (await fetch(server.at("/ws-chat/flood-stats"))).json()) as Record<string, number>;
        if ((now.drains ?? 0) > 0) break;
        await Bun.sleep(20);
      }
      const after = (await (await fetch(server.at("/ws-chat/flood-stats"))).json()) as Record<string, number>;
      expect(after.drains).toBeGreaterThan(0);
      socket.ws.close();
    } finally {
      await server.stop();
    }
  }, 30_000);
});

describe("a Hono app written for Bun.serve (hono/bun's upgradeWebSocket)", () => {
  const exchange = async (url: string) => {
    const socket = await openSocket(url);
    const welcome = text(await socket.nth(0));
    socket.ws.send("ping");
    socket.ws.send(new Uint8Array([1, 2, 3]));
    const echo = text(await socket.nth(1));
    const bytes = await socket.nth(2);
    socket.ws.close();
    return { welcome, echo, bytes };
  };
  const expected = { welcome: "welcome h", echo: "echo ping", bytes: new Uint8Array([1, 2, 3]) };

  test("runs under plain Bun.serve", async () => {
    const app = (await import("../fixtures/apps/ws-hono/1.0.0/index.ts")).default;
    const plain = Bun.serve({ port: 0, hostname: "127.0.0.1", ...app });
    try {
      expect(await exchange(`http://127.0.0.1:${plain.port}/ws?name=h`)).toEqual(expected);
    } finally {
      plain.stop(true);
    }
  });

  test("and unchanged under Buntime", async () => {
    const server = await startTestServer();
    try {
      expect(await exchange(server.at("/ws-hono/ws?name=h"))).toEqual(expected);
      expect(await (await fetch(server.at("/ws-hono/"))).text()).toBe("hono over http");
    } finally {
      await server.stop();
    }
  });
});

describe("authn applies to the upgrade request", () => {
  let idp: OidcProvider;
  let server: TestServer;
  beforeAll(async () => {
    idp = await startOidcProvider();
    server = await startTestServer(
      {},
      {
        config: normaliseConfig(
          { plugins: [["@buntime/authn", { provider: "keycloak", issuer: idp.issuer, audience: idp.audience }]] },
          ROOT,
        ),
      },
    );
  });
  afterAll(async () => {
    await server?.stop();
    await idp?.stop();
  });

  test("no token: the upgrade is refused with 401 and the app never sees it", async () => {
    const response = await fetch(server.at("/ws-chat/"), {
      headers: {
        upgrade: "websocket",
        connection: "Upgrade",
        "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
        "sec-websocket-version": "13",
      },
    });
    expect(response.status).toBe(401);
    await expect(openSocket(server.at("/ws-chat/"))).rejects.toThrow("closed before open");
    expect(server.stats().workers.filter((w) => w.app === "ws-chat").length).toBe(0);
  });

  test("with a valid token the socket opens", async () => {
    const socket = await openSocket(server.at("/ws-chat/?user=t"), { authorization: `Bearer ${await idp.token()}` });
    expect(text(await socket.nth(0))).toStartWith("hello t from ");
    socket.ws.close();
  });
});

describe("SIGTERM (the real server process)", () => {
  test("drains: open sockets keep working, then close with 1012 within SHUTDOWN_TIMEOUT; exit 0", async () => {
    const server = await startServerProcess({ APPS_DIR: `${ROOT}/fixtures/apps`, SHUTDOWN_TIMEOUT: "2" });
    const socket = await openSocket(server.at("/ws-chat/"));
    await socket.nth(0);
    const started = performance.now();
    server.proc.kill("SIGTERM");
    // Draining: the socket still works.
    socket.ws.send("still here");
    expect(text(await socket.next((m) => m === "still here"))).toBe("still here");
    expect((await socket.closed).code).toBe(1012);
    expect(performance.now() - started).toBeGreaterThan(1000);
    expect(await server.proc.exited).toBe(0);
    expect(performance.now() - started).toBeLessThan(2000 + 4000);
  }, 20_000);
});
