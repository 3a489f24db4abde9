/**
 * The charts' past over HTTP: `/_/dashboard/history` holds the last 15 minutes second by second
 * (so a page opened now shows them), and `/_/sse` adds each whole second as it ends.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { SECONDS } from "../../server/src/stats/per-second.ts";
import { startTestServer, type TestServer } from "../_setup.ts";

describe("dashboard history", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.stop());

  test("requests answered before the page opened are in its history, errors by code", async () => {
    for (let i = 0; i < 20; i++) await (await fetch(server.at("/hello/"))).text();
    await (await fetch(server.at("/no-such-app/"))).text();
    // The second they fell in must have ended: wait for the next whole second.
    await Bun.sleep(1000 - (Date.now() % 1000) + 5);
    const res = await server.admin("/_/dashboard/history");
    expect(res.status).toBe(200);
    const { seconds } = (await res.json()) as {
      seconds: { t: number; requests: number; p99: number | null; errorsByCode: Record<string, number> }[];
    };
    // From the server's start (seconds before it are no data), at most the last 15 minutes.
    expect(seconds.length).toBeGreaterThan(0);
    expect(seconds.length).toBeLessThanOrEqual(SECONDS - 1);
    expect(Math.floor(Date.now() / 1000) - (seconds.at(-1)?.t ?? 0)).toBeOneOf([1, 2]);
    const total = seconds.reduce((sum, s) => sum + s.requests, 0);
    expect(total).toBeGreaterThanOrEqual(21);
    expect(seconds.reduce((sum, s) => sum + (s.errorsByCode.APP_NOT_FOUND ?? 0), 0)).toBe(1);
    expect(seconds.filter((s) => s.requests > 0).every((s) => typeof s.p99 === "number")).toBe(true);
  });

  test("each stats event on /_/sse carries the last whole second", async () => {
    const controller = new AbortController();
    const res = await server.admin("/_/sse", { signal: controller.signal });
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    let text = "";
    while (!/event: stats\ndata: .*\n/.test(text)) text += new TextDecoder().decode((await reader.read()).value);
    controller.abort();
    const data = JSON.parse(/event: stats\ndata: (.*)\n/.exec(text)?.[1] ?? "{}");
    expect(data.lastSecond).toMatchObject({ requests: expect.any(Number), errorsByCode: expect.any(Object) });
    // The second before the event's (a second may have ended since).
    expect(Math.floor(Date.now() / 1000) - data.lastSecond.t).toBeOneOf([1, 2]);
    expect(Array.isArray(data.liveWorkers)).toBe(true);
  });
});
