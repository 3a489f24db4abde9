import { expect, test } from "bun:test";
import type { HostMessage } from "../protocol/protocol.ts";
import { Exchange } from "./exchange.ts";

/** An exchange whose request body streams from a source the test feeds. */
function streamingExchange() {
  let source!: ReadableStreamDefaultController<Uint8Array>;
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      source = controller;
    },
  });
  const sent: HostMessage[] = [];
  const exchange = new Exchange(1, { send: (message) => sent.push(message), ended: () => {} });
  const request = new Request("http://app.test/", { method: "POST", body, duplex: "half" } as RequestInit);
  exchange.start({ request, url: "/", headers: {} });
  const chunks = () => sent.filter((m) => m.type === "request-chunk");
  return { exchange, source, chunks };
}

test("a request body streams chunk by chunk, one per pull, then its end", async () => {
  const { exchange, source, chunks } = streamingExchange();
  source.enqueue(new Uint8Array([1]));
  await exchange.pullRequestBody();
  source.close();
  await exchange.pullRequestBody();
  expect(chunks().map((m) => (m.type === "request-chunk" ? (m.chunk?.byteLength ?? null) : -1))).toEqual([1, null]);
});

test("pulls posted while one waits (only app code posts those) hold no read each: one is served", async () => {
  const { exchange, source, chunks } = streamingExchange();
  // The guest pulls one chunk at a time; app code posting its own pulls must not queue a host
  // read per post while the client sends nothing.
  const pulls = Array.from({ length: 1000 }, () => exchange.pullRequestBody());
  source.enqueue(new Uint8Array([1]));
  source.enqueue(new Uint8Array([2]));
  source.close();
  await Promise.all(pulls);
  expect(chunks().length).toBe(1);
  await exchange.pullRequestBody(); // the next pull, after the answer, is served
  expect(chunks().length).toBe(2);
});
