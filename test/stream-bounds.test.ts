/**
 * Event streams are bounded per caller (docs/logs.md, docs/routes.md): opening one more than STREAMS_PER_CALLER
 * `/_/sse` or `/_/logs?follow=1` streams with one credential ends that caller's oldest, and
 * another caller's stream stays open.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { STREAMS_PER_CALLER } from "../server/src/http/stream-slots.ts";
import { ADMIN_HEADERS, startTestServer, type TestServer } from "./_setup.ts";

let server: TestServer;
let viewerHeaders: Record<string, string>;

beforeAll(async () => {
  server = await startTestServer();
  const created = await server.admin("/_/keys", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ name: "streams-viewer", role: "viewer" }),
  });
  viewerHeaders = { authorization: `Bearer ${((await created.json()) as { key: string }).key}` };
  // A kept line, so that a follower's stream starts at once (the kept lines come first).
  await fetch(server.at("/logger/?say=streams"));
  while (((await (await server.admin("/_/logs?app=logger")).json()) as { lines: unknown[] }).lines.length === 0) {
    await Bun.sleep(20);
  }
});
afterAll(() => server.stop());

/** Reads `body` until it ends; resolves "ended", or "open" when it has not ended within `ms` (a bound, not a wait). */
async function endsWithin(body: ReadableStream<Uint8Array>, ms: number): Promise<"ended" | "open"> {
  const reader = body.getReader();
  const limit = new Promise<"open">((resolve) => setTimeout(() => resolve("open"), ms));
  const drained = (async () => {
    while (!(await reader.read()).done) {}
    return "ended" as const;
  })();
  return Promise.race([drained, limit]);
}

for (const path of ["/_/sse", "/_/logs?app=logger&follow=1"]) {
  describe(path, () => {
    test(`stream ${STREAMS_PER_CALLER + 1} of one caller ends its oldest; another caller's stays open`, async () => {
      const controller = new AbortController();
      try {
        const open = (headers: Record<string, string>) =>
          fetch(server.at(path), { headers, signal: controller.signal }).then((res) => {
            expect(res.status).toBe(200);
            return res.body as ReadableStream<Uint8Array>;
          });
        const other = await open(viewerHeaders);
        const first = await open(ADMIN_HEADERS);
        // Every body held: a collected one closes its connection, which frees its slot itself.
        const held: ReadableStream<Uint8Array>[] = [];
        for (let i = 1; i < STREAMS_PER_CALLER; i++) held.push(await open(ADMIN_HEADERS));
        held.push(await open(ADMIN_HEADERS));
        expect(await endsWithin(first, 10_000)).toBe("ended");
        expect(await endsWithin(other, 1_500)).toBe("open");
        expect(held).toHaveLength(STREAMS_PER_CALLER);
      } finally {
        controller.abort();
      }
    }, 30_000);
  });
}
