/**
 * Guest garbage with `isolation: "process"` (docs/isolation.md): a worker is a child process and
 * what it posts crosses its channel (fd 3) as frames instead of `postMessage`. The host checks it
 * at the same edge: anything not the protocol crashes that worker only; bytes that are no frame,
 * a frame too large to hold, or the channel closed while the process lives on end that worker at
 * once, never the server (through Bun's IPC channel, 6 bytes ended the server).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { call, type EventLog, recordEvents } from "./_pool-helpers.ts";
import { FIXTURE_APPS, startTestServer, type TestServer } from "./_setup.ts";

/** A sample of the thread table's kinds (guest-garbage.test.ts), one per layer of the edge. */
const GARBAGE: Record<string, string> = {
  "not-json": 'a line that is not JSON: "not json"',
  "a buffer no line takes": "1 buffers for 0 byte lines",
  "status 600": 'a "response-head" message the protocol refuses at status',
  "a header Headers refuses": "a message the host could not use: TypeError: Invalid header name",
  "a ws-send for a socket never opened": "a message about socket 999999, never opened",
  "a log line of an unknown level": 'a "log" message the protocol refuses at lines.0.level',
  "a response chunk not asked for": "a response chunk for request",
};

let server: TestServer;
let events: EventLog;

beforeAll(async () => {
  server = await startTestServer({ APPS_DIR: FIXTURE_APPS, BUNTIME_ISOLATION: "process", LOG_LEVEL: "silent" });
  events = recordEvents(server.pool.events);
});

afterAll(() => server?.stop());

describe.each(Object.entries(GARBAGE))("a worker process that posts %s", (kind, fault) => {
  test("is treated as crashed (502 WORKER_CRASHED) and replaced; the server goes on", async () => {
    const before = await call(server.at("/post-garbage/"));
    expect(before.status).toBe(200);
    const answer = await call(server.at(`/post-garbage/?kind=${encodeURIComponent(kind)}`));
    expect(answer.code).toBe("WORKER_CRASHED");
    expect(answer.body.error.message).toContain(`post-garbage@1.0.0 crashed: protocol violation: ${fault}`);
    const after = await call(server.at("/post-garbage/"));
    expect(after.status).toBe(200);
    expect(after.body.worker).not.toBe(before.body.worker);
  });
});

test.each([
  ["a frame announcing 2 GiB (never held)", "channel-bytes=00000080", "a frame announcing 2147483648 bytes, over"],
  ["a frame whose parts do not add up", "channel-bytes=050000000900000041", "a frame whose parts do not add up"],
  // Every descriptor the guest holds on it: the host hears the hang-up at once, not at a timeout.
  ["its channel closed while it lives on", "close-channel", "crashed"],
])(
  "%s on the channel ends that worker (its request answered), not the server",
  async (_, query, fault) => {
    const before = await call(server.at("/post-garbage/"));
    const worker = events.of("ready", "post-garbage@1.0.0").at(-1)?.workerId;
    const answer = await call(server.at(`/post-garbage/?${query}`));
    expect(answer.code).toBe("WORKER_CRASHED");
    expect(answer.body.error.message).toContain(fault);
    await events.next("terminate", (e) => e.workerId === worker, 15_000);
    const after = await call(server.at("/post-garbage/"));
    expect(after.status).toBe(200);
    expect(after.body.worker).not.toBe(before.body.worker);
    expect((await call(server.at("/hello/"))).status).toBe(200);
  },
  30_000,
);
