/**
 * A worker that posts anything but the protocol (app code shares its thread and can call
 * `postMessage`) is treated as crashed: its request in flight gets 502 `WORKER_CRASHED`, it is
 * terminated and replaced, the event is logged with the app's name, and the server and every
 * other app go on (issue 12, fault 1; docs/errors.md).
 */

import { serialize } from "bun:jsc";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import fc from "fast-check";
import { KINDS } from "../fixtures/apps/post-garbage/1.0.0/index.ts";
import type { Logger } from "../server/src/util/log.ts";
import { call, type EventLog, recordEvents } from "./_pool-helpers.ts";
import { killServerProcesses, startServerProcess } from "./_server-process.ts";
import { FIXTURE_APPS, startTestServer, type TestServer } from "./_setup.ts";

/** Each kind the fixture posts, and what the host's crash message says was wrong. */
const GARBAGE: Record<string, string> = {
  "not-json": 'a line that is not JSON: "not json"',
  null: "a post that is not a wire: null",
  number: "a post that is not a wire: 42",
  undefined: "a post that is not a wire: undefined",
  "an object, not a wire": "a post that is not a wire: [object Object]",
  "unknown type": 'a "nope" message the protocol refuses at type',
  "no type": "a message the protocol refuses",
  "a JSON array line": "a message the protocol refuses",
  "an empty line": 'a line that is not JSON: ""',
  "a response for a request never sent": "a message about request 999999, never sent to it",
  "a response for id 0": 'a "response-head" message the protocol refuses at id',
  "status 0": 'a "response-head" message the protocol refuses at status',
  "status 99": 'a "response-head" message the protocol refuses at status',
  "status 600": 'a "response-head" message the protocol refuses at status',
  "status Infinity": 'a "response-head" message the protocol refuses at status',
  "status 200.5": 'a "response-head" message the protocol refuses at status',
  'status "200"': 'a "response-head" message the protocol refuses at status',
  "headers not a list": 'a "response-head" message the protocol refuses at headers',
  "headers not pairs": 'a "response-head" message the protocol refuses at headers.0',
  "headers not strings": 'a "response-head" message the protocol refuses at headers.0.0',
  "a header Headers refuses": "a message the host could not use: TypeError: Invalid header name",
  "a body that is not bytes": 'a "response-head" message the protocol refuses at body',
  "a pong without its heap": 'a "pong" message the protocol refuses at heapUsed',
  "a B line without a buffer": "0 buffers for 1 byte lines",
  "a C line that is not an object": "a C line that is not an object: 5",
  "a buffer no line takes": "1 buffers for 0 byte lines",
  "buffers that are not buffers": "a post that is not a wire: an array of 2",
  "a wire of three parts": "a post that is not a wire: an array of 3",
  "stopped, unasked": "stopped without being asked to stop",
  "an upgrade of a request never sent": "a message about request 999999, never sent to it",
  "an upgrade without headers": 'a "upgrade" message the protocol refuses at headers',
  "an upgrade with a header Headers refuses": "a message the host could not use: TypeError: Invalid header name",
  "a ws-send for a socket never opened": "a message about socket 999999, never opened",
  "a ws-send with neither text nor chunk": 'a "ws-send" message the protocol refuses: exactly one of text and chunk',
  "a ws-publish topic too long": 'a "ws-publish" message the protocol refuses at topic',
  "a ws-subscribe without on": 'a "ws-subscribe" message the protocol refuses at on',
  "a ws-end with code 999": 'a "ws-end" message the protocol refuses at code',
  "a ws-end reason too long": 'a "ws-end" message the protocol refuses at reason',
  "a ws-ack of negative bytes": 'a "ws-ack" message the protocol refuses at bytes',
  "a ws-ack for a socket never opened": "a message about socket 999999, never opened",
  "a log line of an unknown level": 'a "log" message the protocol refuses at lines.0.level',
  "a log line with a field too many": 'a "log" message the protocol refuses at lines.0: Unrecognized key',
  "a log line too long": 'a "log" message the protocol refuses at lines.0.message',
  "a log of 1025 lines": 'a "log" message the protocol refuses at lines',
  "a log dropping -1": 'a "log" message the protocol refuses at dropped',
  "a response chunk not asked for": "a response chunk for request",
};

/** A logger that keeps every line. */
function recordingLogger(): Logger & { lines: { level: string; msg: string; fields: Record<string, unknown> }[] } {
  const lines: { level: string; msg: string; fields: Record<string, unknown> }[] = [];
  const at =
    (level: string) =>
    (msg: string, fields: Record<string, unknown> = {}) =>
      lines.push({ level, msg, fields });
  const logger = {
    lines,
    debug: at("debug"),
    info: at("info"),
    warn: at("warn"),
    error: at("error"),
    child: () => logger,
    isLevelEnabled: () => true,
  };
  return logger;
}

let server: TestServer;
let events: EventLog;
const logger = recordingLogger();

beforeAll(async () => {
  server = await startTestServer({ APPS_DIR: FIXTURE_APPS }, { logger });
  events = recordEvents(server.pool.events);
});

afterAll(async () => {
  killServerProcesses();
  await server?.stop();
});

test("the table covers every kind of garbage the fixture posts", () => {
  expect(Object.keys(GARBAGE).sort()).toEqual([...KINDS].sort());
});

describe.each(Object.entries(GARBAGE))("a worker that posts %s", (kind, fault) => {
  test("is treated as crashed: 502 WORKER_CRASHED, logged with its app, replaced; the server goes on", async () => {
    const before = await call(server.at("/post-garbage/"));
    expect(before.status).toBe(200);
    const worker = events.of("ready", "post-garbage@1.0.0").at(-1)?.workerId;

    const answer = await call(server.at(`/post-garbage/?kind=${encodeURIComponent(kind)}`));
    expect(answer.status).toBe(502);
    expect(answer.code).toBe("WORKER_CRASHED");
    expect(answer.body.error.message).toContain(`post-garbage@1.0.0 crashed: protocol violation: ${fault}`);
    expect(answer.ms).toBeLessThan(2000); // the host answered, not the app's 5 s wait

    const crash = await events.next("crash", (e) => e.workerId === worker);
    expect(crash.message).toContain(fault);
    expect((await events.next("terminate", (e) => e.workerId === worker)).reason).toBe("crashed");
    const line = logger.lines.find((l) => l.fields.worker === worker && l.msg === "worker crashed");
    expect(line?.fields.app).toBe("post-garbage@1.0.0");
    expect(String(line?.fields.error).length).toBeLessThanOrEqual(400);

    const after = await call(server.at("/post-garbage/"));
    expect(after.status).toBe(200);
    expect(after.body.worker).not.toBe(before.body.worker);
    expect((await call(server.at("/hello/"))).status).toBe(200);
  });
});

/**
 * Asks the fixture for `query`, whose head streams and is followed, in the same post, by what
 * the protocol refuses after it: the stream is cut (or never starts) and the worker crashes with
 * `fault`; other apps go on. Returns the worker's id.
 */
async function faultAfterHead(query: string, fault: RegExp): Promise<number | undefined> {
  await call(server.at("/post-garbage/"));
  const worker = events.of("ready", "post-garbage@1.0.0").at(-1)?.workerId;
  const crashed = events.next("crash", (e) => e.workerId === worker, 3000);
  const body = await fetch(server.at(`/post-garbage/?${query}`))
    .then((response) => response.text())
    .catch((error: Error) => error.name);
  expect(body).not.toBe("the host did not notice");
  expect((await crashed).message).toMatch(fault);
  expect((await call(server.at("/hello/"))).status).toBe(200);
  return worker;
}

test("an upgrade of a request already answered (its head streamed) is a fault: no socket is kept for it", async () => {
  const worker = await faultAfterHead(
    "upgrade-after-head",
    /protocol violation: an upgrade of request .*already answered/,
  );
  expect(server.stats().workers.filter((w) => w.id === worker && w.sockets > 0)).toEqual([]);
}, 10_000);

test("response chunks the host did not pull are a fault: the stream is cut, nothing is queued", async () => {
  await faultAfterHead(
    "chunks-after-head",
    /protocol violation: a response chunk for request \d+ the host did not ask for/,
  );
}, 10_000);

test("log messages app code posts past the guest's rate limit are dropped by the host and counted", async () => {
  const before = (server.stats() as unknown as { logs: { dropped: Record<string, number> } }).logs.dropped;
  expect((await call(server.at("/post-garbage/?log-flood=30"))).status).toBe(200);
  // Posted before the answer, so handled before it. The host's budget is ten times the guest's
  // burst: of 30,000 lines, about 20,000 go.
  const after = (server.stats() as unknown as { logs: { dropped: Record<string, number> } }).logs.dropped;
  const dropped = (after["post-garbage"] ?? 0) - (before["post-garbage"] ?? 0);
  expect(dropped).toBeGreaterThanOrEqual(15_000);
  expect(dropped).toBeLessThanOrEqual(30_000);
});

test("another app's request in flight meanwhile is answered as usual", async () => {
  await call(server.at("/slow/?ms=0"));
  const slow = call(server.at("/slow/?ms=300"));
  const garbage = await call(server.at("/post-garbage/?kind=not-json"));
  expect(garbage.code).toBe("WORKER_CRASHED");
  const answer = await slow;
  expect(answer.status).toBe(200);
  expect(answer.body.ms).toBe(300);
});

test("garbage posted while the app loads fails its start (502 WORKER_START_FAILED), not the host", async () => {
  const answer = await call(server.at("/post-garbage-on-load/"));
  expect(answer.status).toBe(502);
  expect(answer.code).toBe("WORKER_START_FAILED");
  expect(answer.body.error.message).toContain("protocol violation: a line that is not JSON");
  const [spawn] = events.of("spawn", "post-garbage-on-load@1.0.0");
  expect((await events.next("terminate", (e) => e.workerId === spawn?.workerId)).reason).toBe("crashed");
  expect((await call(server.at("/hello/"))).status).toBe(200);
});

test("property: whatever value a guest posts, the host answers and goes on serving", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.anything({ withBigInt: true, withMap: true, withSet: true, withTypedArray: true }),
      async (value) => {
        const answer = await call(server.at("/post-garbage/?serialized"), {
          method: "POST",
          body: new Uint8Array(serialize(value)).slice(), // a copy: fetch takes no shared memory
        });
        // Garbage crashes the worker (502); a value that happens to be harmless is no fault.
        if (answer.status === 502) expect(answer.code).toBe("WORKER_CRASHED");
        else expect(answer.body).toBe("survived");
        expect((await call(server.at("/hello/"))).status).toBe(200);
      },
    ),
    { numRuns: 60 },
  );
}, 30_000); // ~1 s here; a generous bound for a loaded machine

test("in a real server process, garbage from an app does not end the process", async () => {
  const real = await startServerProcess({ APPS_DIR: FIXTURE_APPS, LOG_LEVEL: "silent" });
  for (const kind of ["not-json", "null", "status 600", "a B line without a buffer", "a header Headers refuses"]) {
    const answer = await call(real.at(`/post-garbage/?kind=${encodeURIComponent(kind)}`));
    expect(answer.code).toBe("WORKER_CRASHED");
  }
  expect((await call(real.at("/hello/"))).status).toBe(200);
  expect((await call(real.at("/post-garbage/"))).status).toBe(200);
  real.proc.kill("SIGTERM");
  expect(await real.proc.exited).toBe(0);
});
