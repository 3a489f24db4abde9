/**
 * A worker posting well-formed messages faster than the host reads them (app code shares the
 * guest's thread and can call `postMessage`) does not hold other apps' requests, and one that
 * gets too far ahead is treated as crashed (§5: one app's behaviour does not slow others; §17: a
 * worker's post is untrusted input). `pool/inbox.ts` has the rules.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { MAX_BACKLOG } from "../server/src/pool/inbox.ts";
import { startTestServer, type TestServer } from "./_setup.ts";
import { openSocket } from "./_ws-client.ts";

const MIB = 1024 * 1024;
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

test("another app is answered while the host still reads a flood of posts", async () => {
  const socket = await openSocket(server.at("/post-flood/"));
  // The other app's worker is up first: its start is not what is measured.
  expect((await fetch(server.at("/hello/"))).status).toBe(200);
  const order: string[] = [];
  // 200 posts of a mebibyte: 200 turns of the host's reading, under the backlog bound.
  const flood = fetch(server.at(`/post-flood/?posts=200&chars=${MIB}`)).then(async (response) => {
    order.push(`flood ${response.status} ${await response.text()}`);
  });
  expect(await socket.nth(0)).toBe("started"); // the host is reading the flood's posts now
  const hello = fetch(server.at("/hello/")).then(async (response) => {
    order.push(`hello ${response.status}`);
  });
  await Promise.all([flood, hello]);
  expect(order).toEqual(["hello 200", "flood 200 posted 200"]);
  socket.ws.close();
}, 30_000); // a loaded machine parses 200 MiB of posts slowly; the order is what is checked

test("a worker further ahead than the backlog bound is treated as crashed; the server goes on", async () => {
  const posts = Math.ceil(MAX_BACKLOG / MIB) + 20;
  const response = await fetch(server.at(`/post-flood/?posts=${posts}&chars=${MIB}`));
  expect(response.status).toBe(502);
  const body = (await response.json()) as { error: { code: string; message: string } };
  expect(body.error.code).toBe("WORKER_CRASHED");
  expect(body.error.message).toContain("posted faster than the host can read");
  expect((await fetch(server.at("/hello/"))).status).toBe(200);
  const again = await fetch(server.at("/post-flood/"));
  expect(await again.text()).toBe("posted 0"); // a fresh worker
});
