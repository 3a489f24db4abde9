/**
 * docs/extensions.md#buntimeauthn: `x-buntime-identity` reaches an app only when the runtime set it
 * (authn, after verifying a token). A client's own is removed always, with no plugin at all too: an
 * app must never trust a header the runtime did not set. (With authn: test/authn.test.ts.)
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { rawRequest } from "./_raw-http.ts";
import { startTestServer, type TestServer } from "./_setup.ts";

const IDENTITY = "x-buntime-identity";
const forged = Buffer.from(JSON.stringify({ sub: "admin", roles: ["admin"], claims: {} })).toString("base64url");

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

interface Echo {
  headers: Record<string, string>;
}

test("without plugins, a client's x-buntime-identity never reaches the app; its other headers do", async () => {
  expect(server.plugins.hasRequestHooks).toBe(false);
  const res = await fetch(server.at("/echo/"), { headers: { [IDENTITY]: forged, "x-other": "kept" } });
  expect(res.status).toBe(200);
  const { headers } = (await res.json()) as Echo;
  expect(headers[IDENTITY]).toBeUndefined();
  expect(headers["x-other"]).toBe("kept");
});

test("whatever its case, and when sent twice", async () => {
  const res = await rawRequest(
    server.port,
    "GET /echo/ HTTP/1.1",
    `X-Buntime-Identity: ${forged}\r\nx-buntime-identity: b\r\n`,
  );
  expect(res.status).toBe(200);
  const { headers } = JSON.parse(res.body) as Echo;
  expect(Object.keys(headers).filter((name) => name.toLowerCase() === IDENTITY)).toEqual([]);
});

test("a request made in-process (the emulator's way) loses it too", async () => {
  const res = await server.fetch(new Request(server.at("/echo/"), { headers: { [IDENTITY]: forged } }));
  const { headers } = (await res.json()) as Echo;
  expect(headers[IDENTITY]).toBeUndefined();
});
