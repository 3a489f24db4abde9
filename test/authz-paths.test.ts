/**
 * `@buntime/authz` path policies judge the path as a router reads it (percent-decoded): a deny on
 * `/echo/admin/**` also holds for `/echo/%61dmin/x`, which the app's router (Hono, like most)
 * decodes to `/admin/x`. Raw HTTP: `fetch` would send the path as written, but this says so.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { resolve } from "node:path";
import { normaliseConfig } from "../server/src/config/buntime-config.ts";
import type { RunningServer } from "../server/src/server.ts";
import { rawRequest } from "./_raw-http.ts";
import { ROOT, startTestServer } from "./_setup.ts";

const IDENTITY = resolve(ROOT, "fixtures/plugins/test-identity.ts");
let server: RunningServer;

beforeAll(async () => {
  const policies = [
    { id: "readers-echo", effect: "permit", subjects: [{ role: "reader" }], resources: [{ app: "echo" }] },
    { id: "no-echo-admin", effect: "deny", resources: [{ path: "/echo/admin/**" }] },
    { id: "no-get-secret", effect: "deny", resources: [{ path: "/echo/secret/**" }], actions: [{ method: "GET" }] },
  ];
  server = await startTestServer(
    {},
    {
      config: normaliseConfig(
        { plugins: [IDENTITY, ["@buntime/authz", { store: "memory", policies, algorithm: "deny-overrides" }]] },
        ROOT,
      ),
    },
  );
});
afterAll(() => server.stop());

const asReader = (path: string) => rawRequest(server.port, `GET ${path} HTTP/1.1`, "x-test-roles: reader\r\n");

test("the permit holds elsewhere and the deny holds for the plain path", async () => {
  expect((await asReader("/echo/x")).status).toBe(200);
  expect((await asReader("/echo/admin/x")).status).toBe(403);
});

test("an encoded spelling of the denied path is denied too", async () => {
  for (const path of ["/echo/%61dmin/x", "/echo/%61%64%6d%69%6e/x", "/echo/adm%69n/x"]) {
    const res = await asReader(path);
    expect({ path, status: res.status }).toEqual({ path, status: 403 });
  }
});

test("a line break in the path is a character like any other: the deny still holds", async () => {
  for (const path of ["/echo/admin/x%0A", "/echo/admin/x%0D", "/echo/admin/x%E2%80%A8", "/echo/admin/%0A/deeper"]) {
    const res = await asReader(path);
    expect({ path, status: res.status }).toEqual({ path, status: 403 });
  }
});

test("a range or tag after the app's name changes nothing: the deny still holds", async () => {
  for (const path of ["/echo@1/admin/x", "/echo@1.0.0/admin/x", "/echo@%5E1.0.0/admin/x", "/echo@*/admin/x"]) {
    const res = await asReader(path);
    expect({ path, status: res.status }).toEqual({ path, status: 403 });
  }
  expect((await asReader("/echo@1/x")).status).toBe(200);
});

test("a deny of GET holds for HEAD, which runs the same fetch", async () => {
  const as = (method: string, path: string) =>
    rawRequest(server.port, `${method} ${path} HTTP/1.1`, "x-test-roles: reader\r\n");
  expect((await as("GET", "/echo/secret/x")).status).toBe(403);
  expect((await as("HEAD", "/echo/secret/x")).status).toBe(403);
  expect((await as("POST", "/echo/secret/x")).status).toBe(200); // the deny names GET only
  expect((await as("HEAD", "/echo/x")).status).toBe(200);
});
