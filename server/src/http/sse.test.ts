import { describe, expect, test } from "bun:test";
import { Hono } from "hono";
import { PoolEmitter } from "../pool/events.ts";
import type { WorkerPool } from "../pool/pool.ts";
import { VirtualClock } from "../pool/virtual-clock.ts";
import { MAX_QUEUED_EVENTS, sseRoute } from "./sse.ts";

/** `/sse` over a stand-in pool (only its events and clock are used); the response is not read yet. */
async function openStream() {
  const pool = { events: new PoolEmitter(), clock: new VirtualClock() };
  let n = 0;
  const app = new Hono().get("/sse", sseRoute({ pool: pool as unknown as WorkerPool, stats: () => ({ n: ++n }) }));
  const res = await app.request("/sse");
  return { pool, res, statsMade: () => n };
}

/** Reads events until `until` holds for one or the stream ends; returns them. */
async function readEvents(res: Response, until: (text: string) => boolean = () => false): Promise<string[]> {
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  const events: string[] = [];
  let text = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return events;
    text += decoder.decode(value, { stream: true });
    const parts = text.split("\n\n");
    text = parts.pop() ?? "";
    events.push(...parts);
    if (parts.some(until)) {
      await reader.cancel();
      return events;
    }
  }
}

describe("/_/sse with a client that does not read", () => {
  test("holds only the newest stats snapshot, not one per tick", async () => {
    const { pool, res, statsMade } = await openStream();
    await pool.clock.advance(5000 * 1000); // 5000 ticks while nobody reads
    expect(statsMade()).toBeGreaterThanOrEqual(5000);
    const last = `data: {"n":${statsMade()}}`;
    const events = await readEvents(res, (event) => event.endsWith(last));
    // What the stream itself buffered before it pushed back, then the newest snapshot.
    expect(events.length).toBeLessThan(10);
    expect(events.at(-1)).toBe(`event: stats\n${last}`);
  });

  test(`is cut off past ${MAX_QUEUED_EVENTS} unsent worker events, its listeners removed`, async () => {
    const { pool, res } = await openStream();
    await pool.clock.advance(0);
    expect(pool.events.listenerCount("spawn")).toBe(1);
    for (let id = 1; id <= MAX_QUEUED_EVENTS + 500; id++) pool.events.emit("spawn", { key: "a@1.0.0", workerId: id });
    const events = await readEvents(res); // ends: the server closed the stream
    expect(events.length).toBeLessThanOrEqual(MAX_QUEUED_EVENTS + 10);
    expect(events.length).toBeGreaterThan(0);
    expect(pool.events.listenerCount("spawn")).toBe(0);
  });

  test("a client that reads keeps every worker event, in order", async () => {
    const { pool, res } = await openStream();
    await pool.clock.advance(0);
    const reading = readEvents(res, (event) => event.includes('"workerId":3000'));
    for (let id = 1; id <= 3000; id++) {
      pool.events.emit("spawn", { key: "a@1.0.0", workerId: id });
      if (id % 100 === 0) await Bun.sleep(0); // lets the reader drain, as a live client would
    }
    const ids = (await reading)
      .filter((e) => e.startsWith("event: worker"))
      .map((e) => JSON.parse(e.split("data: ")[1] as string).workerId);
    expect(ids).toEqual(Array.from({ length: 3000 }, (_, i) => i + 1));
  });
});

describe("HEAD /_/sse", () => {
  test("answers the stream's headers and starts no stream: no listener, no timer left behind", async () => {
    const pool = { events: new PoolEmitter(), clock: new VirtualClock() };
    let made = 0;
    const stats = () => ({ n: ++made });
    const app = new Hono().get("/sse", sseRoute({ pool: pool as unknown as WorkerPool, stats }));
    const res = await app.request("/sse", { method: "HEAD" });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    await pool.clock.advance(5000);
    // Hono drops a HEAD answer's body without cancelling it: a stream started here ran forever.
    expect(pool.events.listenerCount("spawn")).toBe(0);
    expect(made).toBe(0);
  });
});

test("streams open at once share one stats snapshot a second: it is made once, not once per stream", async () => {
  const pool = { events: new PoolEmitter(), clock: new VirtualClock() };
  let made = 0;
  const app = new Hono().get("/sse", sseRoute({ pool: pool as unknown as WorkerPool, stats: () => ({ n: ++made }) }));
  const streams = await Promise.all(Array.from({ length: 16 }, () => app.request("/sse")));
  await pool.clock.advance(10 * 1000);
  expect(made).toBeGreaterThanOrEqual(10);
  expect(made).toBeLessThanOrEqual(11);
  for (const res of streams) await res.body?.cancel();
});
