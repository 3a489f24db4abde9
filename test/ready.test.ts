/** `GET /_/ready`: 200 once the server serves, 503 while it drains; public in every configuration. */
import { expect, test } from "bun:test";
import { startTestServer } from "./_setup.ts";

test("ready while serving, 503 from the moment it starts draining; no credential needed", async () => {
  const server = await startTestServer();
  const ready = await fetch(server.at("/_/ready"));
  expect(ready.status).toBe(200);
  expect(await ready.json()).toEqual({ status: "ready" });
  expect((await fetch(server.at("/_/ready"), { method: "HEAD" })).status).toBe(200);

  const stopping = server.stop();
  const draining = await server.fetch(new Request(server.at("/_/ready")));
  expect(draining.status).toBe(503);
  expect(await draining.json()).toEqual({ status: "not ready" });
  await stopping;
});
