import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { InitContext, Plugin, RequestContext } from "@buntime/sdk";
import { type Identity, setIdentity } from "../identity.ts";
import { OBLIGATION } from "./pep.ts";
import { authzPlugin } from "./plugin.ts";

const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const initContext: InitContext = {
  config: { appsDir: "/apps", poolSize: 1, maxBodySize: 1024, shutdownTimeoutSeconds: 0 },
  logger: quiet,
  pool: { workers: () => [] },
  onRequestEnd() {},
  onWorkerEvent() {},
};

function requestContext(path: string, identity?: Partial<Identity>, warnings: unknown[] = []): RequestContext {
  const ctx: RequestContext = {
    requestId: "req-1",
    app: undefined,
    target: path.startsWith("/_/") ? undefined : { name: path.split("/")[1]!, range: undefined },
    path,
    clientAddress: "127.0.0.1",
    vars: new Map(),
    logger: { ...quiet, warn: (msg, fields) => warnings.push({ msg, ...fields }) },
  };
  if (identity) setIdentity(ctx, { sub: "u", username: undefined, roles: [], groups: [], claims: {}, ...identity });
  return ctx;
}

async function plugin(options: object): Promise<Plugin> {
  const p = await authzPlugin(options);
  await p.onInit?.(initContext);
  return p;
}

const call = (p: Plugin, method: string, path: string, ctx = requestContext(path)) =>
  p.onRequest?.(new Request(`http://x${path}`, { method }), ctx);

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "buntime-authz-plugin-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("@buntime/authz", () => {
  test("runs after authn (priority 20) without depending on it", async () => {
    const p = await authzPlugin({ store: "memory" });
    expect(p).toMatchObject({ name: "@buntime/authz", priority: 20 });
    expect(p.dependencies).toBeUndefined();
  });

  test.each([
    ["corrupt", "[{", "is not valid JSON"],
    ["invalid", '[{"id": "x", "effect": "maybe"}]', "$[0].effect"],
  ])("a %s policy file makes onInit throw, naming the file and the problem", async (name, content, problem) => {
    const path = join(dir, `${name}.json`);
    writeFileSync(path, content);
    const p = await authzPlugin({ path, createIfMissing: true });
    const error = (await Promise.resolve(p.onInit?.(initContext)).catch((e) => e)) as Error;
    expect(error.message).toContain(path);
    expect(error.message).toContain(problem);
  });

  test("a missing policy file makes onInit throw unless createIfMissing", async () => {
    const path = join(dir, "absent.json");
    await expect(Promise.resolve((await authzPlugin({ path })).onInit?.(initContext))).rejects.toThrow(
      "does not exist",
    );
    await plugin({ path, createIfMissing: true });
  });

  test("a relative path is read from the working folder", async () => {
    const p = await authzPlugin({ path: "./no/such/policies.json" });
    await expect(Promise.resolve(p.onInit?.(initContext))).rejects.toThrow(
      join(process.cwd(), "no/such/policies.json"),
    );
  });

  test("with no policy, everything is 403 FORBIDDEN, /_/ routes included, GET /_/health aside", async () => {
    const p = await plugin({ store: "memory" });
    for (const [method, path] of [
      ["GET", "/echo/"],
      ["GET", "/_/stats"],
      ["POST", "/_/deployments/a/1.0.0"],
      ["GET", "/_/authz/policies"],
    ]) {
      const res = (await call(p, method!, path!)) as Response;
      expect(res.status).toBe(403);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe("FORBIDDEN");
    }
    expect(await call(p, "GET", "/_/health")).toBeUndefined();
    expect(await call(p, "HEAD", "/_/health")).toBeUndefined();
    expect(await call(p, "POST", "/_/health")).toBeInstanceOf(Response);
  });

  test("excludePaths are never checked", async () => {
    const p = await plugin({ store: "memory", excludePaths: ["/public/**", "/_/authn/well-known"] });
    expect(await call(p, "POST", "/public/a/b")).toBeUndefined();
    expect(await call(p, "GET", "/_/authn/well-known")).toBeUndefined();
    expect(await call(p, "GET", "/publicity")).toBeInstanceOf(Response);
  });

  test("a deny names the deciding policy and logs one structured line", async () => {
    const p = await plugin({
      store: "memory",
      algorithm: "deny-overrides",
      policies: [
        { id: "readers", effect: "permit", subjects: [{ role: "reader" }] },
        { id: "no-deletes", effect: "deny", actions: [{ method: "DELETE" }] },
      ],
    });
    const warnings: unknown[] = [];
    const ctx = requestContext("/echo/x", { sub: "alice", roles: ["reader"] }, warnings);
    expect(await call(p, "GET", "/echo/x", ctx)).toBeUndefined();
    const res = (await call(p, "DELETE", "/echo/x", ctx)) as Response;
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error).toEqual({
      code: "FORBIDDEN",
      message: 'DELETE /echo/x is forbidden: denied by policy "no-deletes" (rule "no-deletes:rule")',
    });
    expect(warnings).toEqual([
      {
        msg: "authz denied",
        requestId: "req-1",
        subject: "alice",
        resource: { app: "echo", version: undefined, path: "/echo/x" },
        action: "DELETE",
        decision: "Deny",
        policy: "no-deletes",
        rule: "no-deletes:rule",
        reason: 'denied by policy "no-deletes" (rule "no-deletes:rule")',
      },
    ]);
  });

  test("obligations: a response header is set on the way out; an unknown one denies", async () => {
    const withObligation = (id: string) => ({
      PolicyId: `with-${id}`,
      RuleCombiningAlgId: "first-applicable",
      Rule: [{ RuleId: "r", Effect: "Permit" }],
      ObligationExpressions: [
        {
          ObligationId: id,
          FulfillOn: "Permit",
          AttributeAssignmentExpression: [
            { AttributeId: "name", Expression: { AttributeValue: { Value: "x-authz" } } },
            { AttributeId: "value", Expression: { AttributeValue: { Value: "checked" } } },
          ],
        },
      ],
    });
    const ok = await plugin({ store: "memory", policies: [withObligation(OBLIGATION.responseHeader)] });
    const ctx = requestContext("/echo/");
    expect(await call(ok, "GET", "/echo/", ctx)).toBeUndefined();
    const res = (await ok.onResponse?.(new Response("hi"), ctx)) as Response;
    expect(res.headers.get("x-authz")).toBe("checked");
    expect(await res.text()).toBe("hi");

    const unknown = await plugin({ store: "memory", policies: [withObligation("urn:example:unknown")] });
    const denied = (await call(unknown, "GET", "/echo/")) as Response;
    expect(denied.status).toBe(403);
    expect(((await denied.json()) as { error: { message: string } }).error.message).toContain("urn:example:unknown");
  });
});
