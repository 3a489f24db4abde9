/**
 * `@buntime/authz` in the real server: deny unless a policy permits, the runtime's own `/_/`
 * routes included. `fixtures/plugins/test-identity.ts` (priority 5) stands in for authn: it
 * takes the identity from `x-test-sub` / `x-test-roles` headers.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { normaliseConfig } from "../server/src/config/buntime-config.ts";
import type { RunningServer } from "../server/src/server.ts";
import { ROOT, startTestServer } from "./_setup.ts";

const IDENTITY = resolve(ROOT, "fixtures/plugins/test-identity.ts");
const POLICIES = resolve(ROOT, "fixtures/policies");

const READERS = {
  id: "readers-get-echo",
  effect: "permit",
  subjects: [{ role: "reader" }],
  resources: [{ app: "echo" }, { path: "/_/stats" }],
  actions: [{ method: "GET" }],
};

function serverWith(authzOptions: object): Promise<RunningServer> {
  return startTestServer(
    {},
    { config: normaliseConfig({ plugins: [IDENTITY, ["@buntime/authz", authzOptions]] }, ROOT) },
  );
}

interface As {
  roles?: string;
  sub?: string;
  method?: string;
  body?: string;
  headers?: Record<string, string>;
}

function call(server: RunningServer, path: string, as: As = {}): Promise<Response> {
  const headers: Record<string, string> = { ...as.headers };
  if (as.roles) headers["x-test-roles"] = as.roles;
  if (as.sub) headers["x-test-sub"] = as.sub;
  return fetch(new URL(path, server.url), { method: as.method ?? "GET", headers, body: as.body });
}

async function forbidden(res: Response): Promise<string> {
  expect(res.status).toBe(403);
  expect(res.headers.get("content-type")).toContain("application/json");
  const body = (await res.json()) as { error: { code: string; message: string } };
  expect(body.error.code).toBe("FORBIDDEN");
  return body.error.message;
}

describe("with no policy", () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await serverWith({ store: "memory" });
  });
  afterAll(() => server.stop());

  test("every app route is 403 FORBIDDEN, as JSON with the request id", async () => {
    for (const path of ["/echo/", "/hello/", "/echo@1/x", "/no-such-app/"]) {
      const res = await call(server, path, { roles: "admin" });
      expect(res.headers.get("x-request-id")).toBeTruthy();
      expect(await forbidden(res)).toContain("no policy permits it");
    }
  });

  test("the runtime's own routes are 403 too: /_/stats, /_/deployments, /_/metrics, /_/authz", async () => {
    for (const path of ["/_/stats", "/_/deployments", "/_/metrics", "/_/authz/policies"]) {
      await forbidden(await call(server, path, { roles: "admin" }));
    }
    await forbidden(await call(server, "/_/deployments/echo/9.9.9", { method: "POST", body: "x" }));
  });

  test("GET /_/health is always answered", async () => {
    const res = await call(server, "/_/health");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "ok" });
  });
});

describe("with a reader policy", () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await serverWith({
      store: "memory",
      policies: [READERS, { id: "no-deletes", effect: "deny", actions: [{ method: "DELETE" }] }],
    });
  });
  afterAll(() => server.stop());

  test("a reader may GET the app, and the app answers", async () => {
    const res = await call(server, "/echo/x?y=1", { roles: "reader" });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { path: string }).path).toBe("/x?y=1");
    expect(res.headers.get("x-buntime-app")).toBe("echo@1.0.0");
  });

  test("a reader may GET /_/stats, which the policy names", async () => {
    expect((await call(server, "/_/stats", { roles: "reader" })).status).toBe(200);
  });

  test("but not POST, and the 403 names the deciding policy", async () => {
    expect(await forbidden(await call(server, "/echo/x", { roles: "reader", method: "POST", body: "{}" }))).toBe(
      'POST /echo/x is forbidden: no policy permits it (denied by policy "buntime:root")',
    );
  });

  test("a denying policy is named", async () => {
    expect(await forbidden(await call(server, "/echo/x", { roles: "reader", method: "DELETE" }))).toContain(
      'policy "no-deletes"',
    );
  });

  test("nor deploy, nor another app, nor without the role", async () => {
    await forbidden(
      await call(server, "/_/deployments/echo/9.9.9", {
        roles: "reader",
        method: "POST",
        body: "x",
        headers: { "content-type": "application/gzip" },
      }),
    );
    await forbidden(await call(server, "/hello/", { roles: "reader" }));
    await forbidden(await call(server, "/echo/x", { roles: "writer" }));
    await forbidden(await call(server, "/echo/x"));
  });

  test("a hook error fails closed: 500 PLUGIN_FAILED, never passed on", async () => {
    const res = await call(server, "/echo/x", { roles: "reader", headers: { "x-test-malformed": "1" } });
    expect(res.status).toBe(500);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("PLUGIN_FAILED");
    expect(body.error.message).toContain("@buntime/authz");
  });

  test("a hook error on a runtime route fails closed too: /_/stats is 500, not its 200", async () => {
    // A reader gets /_/stats (above); with the malformed identity, the stats must not leak.
    const res = await call(server, "/_/stats", { roles: "reader", headers: { "x-test-malformed": "1" } });
    expect(res.status).toBe(500);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("PLUGIN_FAILED");
    expect(body.error.message).toContain("@buntime/authz");
  });
});

describe("with a policy file", () => {
  let dir: string;
  let server: RunningServer;
  beforeAll(async () => {
    dir = mkdtempSync(join(ROOT, ".tmp-authz-"));
    copyFileSync(join(POLICIES, "readers.json"), join(dir, "policies.json"));
    server = await serverWith({ path: join(dir, "policies.json") });
  });
  afterAll(async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test("the file's policies apply: the short form and the full XACML one", async () => {
    expect((await call(server, "/echo/", { roles: "reader" })).status).toBe(200);
    await forbidden(await call(server, "/_/authz/policies", { roles: "reader" }));
    const list = await call(server, "/_/authz/policies", { roles: "admin" });
    expect(list.status).toBe(200);
    expect(((await list.json()) as { id?: string; PolicyId?: string }[]).map((p) => p.id ?? p.PolicyId)).toEqual([
      "readers-get-echo",
      "policy-admins",
    ]);
  });

  test("an admin adds a policy: it takes effect at once and is written to the file", async () => {
    await forbidden(await call(server, "/hello/", { roles: "writer" }));
    const writers = {
      id: "writers-hello",
      effect: "permit",
      subjects: [{ role: "writer" }],
      resources: [{ app: "hello" }],
    };
    const res = await call(server, "/_/authz/policies", {
      roles: "admin",
      method: "POST",
      body: JSON.stringify(writers),
    });
    expect(res.status).toBe(201);
    expect((await call(server, "/hello/", { roles: "writer" })).status).toBe(200);
    const onDisk = JSON.parse(readFileSync(join(dir, "policies.json"), "utf8")) as { id?: string }[];
    expect(onDisk.at(-1)).toEqual(writers);
    const again = await call(server, "/_/authz/policies", {
      roles: "admin",
      method: "POST",
      body: JSON.stringify(writers),
    });
    expect(again.status).toBe(409);
  });

  test("an invalid policy is 400 POLICY_INVALID naming its JSON path", async () => {
    const res = await call(server, "/_/authz/policies/bad", {
      roles: "admin",
      method: "PUT",
      body: JSON.stringify({ id: "bad", effect: "permit", actions: [{ method: 42 }] }),
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("POLICY_INVALID");
    expect(body.error.message).toContain("$.actions[0].method");
  });

  test("/evaluate answers a XACML JSON request", async () => {
    const request = {
      Request: {
        AccessSubject: { Attribute: [{ AttributeId: "urn:oasis:names:tc:xacml:2.0:subject:role", Value: "reader" }] },
        Resource: { Attribute: [{ AttributeId: "urn:buntime:resource:app", Value: "echo" }] },
        Action: { Attribute: [{ AttributeId: "urn:oasis:names:tc:xacml:1.0:action:action-id", Value: "GET" }] },
      },
    };
    const res = await call(server, "/_/authz/evaluate", {
      roles: "admin",
      method: "POST",
      body: JSON.stringify(request),
    });
    expect(((await res.json()) as { Response: { Decision: string }[] }).Response[0]?.Decision).toBe("Permit");
  });
});

describe("a policy file that cannot be read at start", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(ROOT, ".tmp-authz-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test("stops the start with exit 2 when authz is required, naming the file", async () => {
    const corrupt = join(POLICIES, "corrupt.json");
    const config = join(dir, "buntime.jsonc");
    writeFileSync(
      config,
      JSON.stringify({ required: ["@buntime/authz"], plugins: [["@buntime/authz", { path: corrupt }]] }),
    );
    const child = Bun.spawn([process.execPath, "server/src/index.ts"], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? "", PORT: "0", HOST: "127.0.0.1", BUNTIME_CONFIG: config, LOG_LEVEL: "warn" },
      stdout: "pipe",
      stderr: "pipe",
    });
    expect(await child.exited).toBe(2);
    const stderr = await new Response(child.stderr).text();
    expect(stderr).toContain(corrupt);
    expect(stderr).toContain("not valid JSON");
  });
});
