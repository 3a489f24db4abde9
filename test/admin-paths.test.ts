/**
 * The admin guard judges the route that will answer (docs/admin.md): a path written in another
 * form that the `/_/` router still matches (percent-encoded letters, dot segments, a trailing
 * slash) needs that route's role, and forms the router does not match answer 404. Raw HTTP:
 * `fetch` would normalise some of these before sending.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { rawRequest } from "./_raw-http.ts";
import { startTestServer, type TestServer } from "./_setup.ts";

let server: TestServer;
let viewer: string;

beforeAll(async () => {
  server = await startTestServer();
  const created = await server.admin("/_/keys", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ name: "paths-viewer", role: "viewer" }),
  });
  viewer = ((await created.json()) as { key: string }).key;
});
afterAll(() => server.stop());

const asViewer = (method: string, path: string) =>
  rawRequest(server.port, `${method} ${path} HTTP/1.1`, `Authorization: Bearer ${viewer}\r\nContent-Length: 0\r\n`);

describe("another spelling of an admin-only route", () => {
  const keysForms = [
    "/_/keys",
    "/_/keys/",
    "/_/%6beys",
    "/_/%6Beys",
    "/_/k%65ys",
    "/_/./keys",
    "/_/%2e/keys",
    "/_/x/../keys",
  ];
  for (const path of keysForms) {
    for (const method of ["GET", "HEAD", "POST", "DELETE", "OPTIONS"]) {
      test(`${method} ${path} is refused to a viewer`, async () => {
        const res = await asViewer(method, path);
        expect(res.status).toBe(403);
      });
    }
  }

  test("nor a path under it, encoded", async () => {
    expect((await asViewer("GET", "/_/%6beys/paths-viewer")).status).toBe(403);
  });

  test("forms the router does not match answer 404 to a viewer and never list keys", async () => {
    for (const path of ["/_//keys", "/_/Keys", "/_/keys.", "/_/keys%2f", "/_/keys;x"]) {
      const res = await asViewer("GET", path);
      expect(res.status).toBe(404);
      expect(res.body).not.toContain("paths-viewer");
    }
  });

  test("the admin token still lists keys through the encoded form (the same route)", async () => {
    const res = await rawRequest(
      server.port,
      "GET /_/%6beys HTTP/1.1",
      "Authorization: Bearer test-admin-token-for-buntime-tests\r\n",
    );
    expect(res.status).toBe(200);
    expect(res.body).toContain("paths-viewer");
  });
});

describe("a line break in an admin path (percent-encoded)", () => {
  for (const path of ["/_/keys/paths-viewer%0A", "/_/keys/paths-viewer%0D", "/_/keys/paths-viewer%E2%80%A8"]) {
    test(`DELETE ${path} needs a credential, and the admin role`, async () => {
      const anonymous = await rawRequest(server.port, `DELETE ${path} HTTP/1.1`, "Content-Length: 0\r\n");
      expect(anonymous.status).toBe(401);
      expect((await asViewer("DELETE", path)).status).toBe(403);
    });
  }
});
