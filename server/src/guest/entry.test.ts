/**
 * The guest entry in a real Worker thread, driven as the host drives it (init, request): what a
 * worker start does not pay for, and the app's stdout/stderr captured through the stand-in for
 * `process` (captured-process.ts).
 *
 * What the start must not build is observed through `bun:jsc`'s heap census: Bun's real
 * `process.stdout`/`stderr` hold `FileSink` cells (3 once either is touched, whether fd 1 is a
 * pipe or a terminal), and loading `node:fs` makes `NodeJSFS` cells; neither exists before.
 * (Pure-JS builtins such as `node:util` and `node:stream` leave no cell of their own type.)
 */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openGuest } from "../../../test/support/guest.ts";
import type { LogLine, ResponseHeadMessage } from "../protocol/protocol.ts";
import { GUEST_ENTRY } from "./paths.ts";

const dir = mkdtempSync(join(tmpdir(), "buntime-guest-entry-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** What the apps below answer: the heap census at their load and at their answer. */
const CENSUS = `import { heapStats } from "bun:jsc";
const census = () => {
  const counts = heapStats().objectTypeCounts;
  return { realStdio: counts.FileSink ?? 0, nodeFs: counts.NodeJSFS ?? 0 };
};
const atLoad = census();
`;

/** Starts the guest on `source` (an app module); resolves once it is ready. */
async function startGuest(name: string, source: string) {
  const guest = openGuest(GUEST_ENTRY, dir, name, source);
  const { send, next, received } = guest;
  await next("ready");
  /** Serves one GET with request id `id`; the answer's JSON. */
  const get = async (id: string): Promise<unknown> => {
    send({ type: "request", id: 1, method: "GET", url: "http://app/", headers: { "x-request-id": id }, body: null });
    const head: ResponseHeadMessage = await next("response-head");
    const { body, text } = head;
    return JSON.parse(text ?? new TextDecoder().decode(body as ArrayBuffer));
  };
  /** The log lines posted so far. */
  const lines = (): LogLine[] => received.flatMap((m) => (m.type === "log" ? m.lines : []));
  return { ...guest, get, lines };
}

describe("a worker start", () => {
  test("builds neither the real stdout/stderr nor loads node:fs, through the app's load and a logging request", async () => {
    const guest = await startGuest(
      "quiet",
      `${CENSUS}
console.log("loaded");
export default {
  fetch() {
    console.log("serving", "plainly");
    console.info("%s formatted", "then");
    return Response.json({ atLoad, atAnswer: census() });
  },
};
`,
    );
    try {
      const nothing = { realStdio: 0, nodeFs: 0 };
      expect(await guest.get("q1")).toEqual({ atLoad: nothing, atAnswer: nothing });
    } finally {
      guest.dispose();
    }
  });
});

describe("the app's process.stdout and process.stderr", () => {
  test("writes and a pipe into stdout are lines with the request's id; stdout stays open; the real streams are never built", async () => {
    const guest = await startGuest(
      "writer",
      `${CENSUS}
import { Readable } from "node:stream";
import { finished } from "node:stream/promises";
export default {
  async fetch() {
    process.stdout.write("out\\n");
    process.stderr.write(new TextEncoder().encode("err\\n"));
    const piped = Readable.from(["p1\\n", "p2\\n"]);
    piped.pipe(process.stdout);
    await finished(piped);
    await new Promise((resolve) => process.stdout.write("after the pipe\\n", resolve));
    return Response.json({
      census: census(),
      stdout: [process.stdout.fd, process.stdout.isTTY, process.stdout.writableEnded],
    });
  },
};
`,
    );
    try {
      expect(await guest.get("w1")).toEqual({ census: { realStdio: 0, nodeFs: 0 }, stdout: [1, false, false] });
      expect(guest.lines().map((l) => [l.level, l.message, l.requestId])).toEqual([
        ["info", "out", "w1"],
        ["error", "err", "w1"],
        ["info", "p1", "w1"],
        ["info", "p2", "w1"],
        ["info", "after the pipe", "w1"],
      ]);
    } finally {
      guest.dispose();
    }
  });

  test("the global process is the stand-in, the process's own methods work through it; node:process is the real object (not captured)", async () => {
    const guest = await startGuest(
      "methods",
      `import real from "node:process";
let heard = 0;
process.on("buntime-test", () => heard++);
real.emit("buntime-test");
process.exitCode = 0;
export default {
  fetch: () => Response.json({
    stand_in: process !== real,
    heard,
    listeners: real.listenerCount("buntime-test"),
    exitCode: real.exitCode,
    ticked: typeof process.nextTick,
    uptime: process.uptime() > 0,
  }),
};
`,
    );
    try {
      expect(await guest.get("m1")).toEqual({
        stand_in: true,
        heard: 1,
        listeners: 1,
        exitCode: 0,
        ticked: "function",
        uptime: true,
      });
    } finally {
      guest.dispose();
    }
  });
});

describe("answers", () => {
  test("a throw that cannot be shown as text is an app error, and the next request of the same post is answered", async () => {
    const guest = await startGuest(
      "throws-anything",
      `export default {
  fetch(request) {
    if (new URL(request.url).pathname === "/bad") throw Object.create(null);
    return new Response("fine");
  },
};
`,
    );
    try {
      // Sent in one turn: one post carries both.
      guest.send({ type: "request", id: 1, method: "GET", url: "http://app/bad", headers: {}, body: null });
      guest.send({ type: "request", id: 2, method: "GET", url: "http://app/ok", headers: {}, body: null });
      const error = await guest.next("app-error");
      const head = await guest.next("response-head");
      expect({ id: error.id, message: error.message }).toEqual({
        id: 1,
        message: "a thrown value that cannot be shown as text",
      });
      expect({ id: head.id, text: head.text }).toEqual({ id: 2, text: "fine" });
    } finally {
      guest.dispose();
    }
  });

  test("a thenable that is not a Promise is waited for, as await would", async () => {
    const guest = await startGuest(
      "thenable",
      `export default {
  fetch: () => ({ then: (resolve) => setTimeout(() => resolve(Response.json({ late: true })), 1) }),
};
`,
    );
    try {
      expect(await guest.get("t1")).toEqual({ late: true });
    } finally {
      guest.dispose();
    }
  });
});
