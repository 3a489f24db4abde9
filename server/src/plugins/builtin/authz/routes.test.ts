import { beforeEach, describe, expect, test } from "bun:test";
import type { Hono } from "hono";
import { type PolicyTree, rootPolicySet } from "./pdp/index.ts";
import { authzRoutes } from "./routes.ts";
import { memoryStore } from "./store/memory-store.ts";
import { PolicyStore } from "./store/store.ts";

const READERS = { id: "readers", effect: "permit", subjects: [{ role: "reader" }], actions: [{ method: "GET" }] };

let routes: Hono;
beforeEach(async () => {
  const store = new PolicyStore(memoryStore([READERS]));
  let root: PolicyTree = rootPolicySet([]);
  store.subscribe((entries) => {
    root = rootPolicySet(entries);
  });
  await store.load();
  routes = authzRoutes({ store, root: () => root });
});

const send = (method: string, path: string, body?: unknown) =>
  routes.request(path, {
    method,
    ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }),
  });
const error = async (res: Response) => ((await res.json()) as { error: { code: string; message: string } }).error;

describe("/_/authz/policies", () => {
  test("GET lists the policies as stored", async () => {
    expect(await (await send("GET", "/policies")).json()).toEqual([READERS]);
  });

  test("POST adds: 201 with its location; the same id again is 409", async () => {
    const writers = { ...READERS, id: "writers" };
    const res = await send("POST", "/policies", writers);
    expect(res.status).toBe(201);
    expect(res.headers.get("location")).toBe("/_/authz/policies/writers");
    expect(await res.json()).toEqual(writers);
    const again = await send("POST", "/policies", writers);
    expect(again.status).toBe(409);
    expect((await error(again)).code).toBe("POLICY_EXISTS");
  });

  test("POST of an invalid policy is 400 POLICY_INVALID naming its JSON path", async () => {
    const res = await send("POST", "/policies", {
      PolicyId: "p",
      RuleCombiningAlgId: "first-applicable",
      Rule: [{ RuleId: "r", Effect: "Allow" }],
    });
    expect(res.status).toBe(400);
    const e = await error(res);
    expect(e.code).toBe("POLICY_INVALID");
    expect(e.message).toContain("$.Rule[0].Effect");
    expect((await error(await send("POST", "/policies", "{not json"))).code).toBe("POLICY_INVALID");
  });

  test("GET one: 200, or 404", async () => {
    expect(await (await send("GET", "/policies/readers")).json()).toEqual(READERS);
    expect((await send("GET", "/policies/nobody")).status).toBe(404);
  });

  test("PUT replaces (200) or creates (201); the body's id must be the path's", async () => {
    expect((await send("PUT", "/policies/readers", { ...READERS, effect: "deny" })).status).toBe(200);
    expect(await (await send("GET", "/policies/readers")).json()).toMatchObject({ effect: "deny" });
    expect((await send("PUT", "/policies/new", { ...READERS, id: "new" })).status).toBe(201);
    const mismatch = await send("PUT", "/policies/other", READERS);
    expect(mismatch.status).toBe(400);
    expect((await error(mismatch)).message).toContain('"readers" is not the "other"');
    const bad = await send("PUT", "/policies/readers", { ...READERS, subjects: [{ role: 1 }] });
    expect((await error(bad)).message).toContain("$.subjects[0].role");
  });

  test("DELETE: 204, then 404", async () => {
    expect((await send("DELETE", "/policies/readers")).status).toBe(204);
    expect((await send("DELETE", "/policies/readers")).status).toBe(404);
    expect(await (await send("GET", "/policies")).json()).toEqual([]);
  });

  test("ids that need escaping in a path", async () => {
    const urn = { ...READERS, id: "urn:acme:policy/readers" };
    expect((await send("POST", "/policies", urn)).status).toBe(201);
    expect((await send("GET", `/policies/${encodeURIComponent(urn.id)}`)).status).toBe(200);
  });
});

describe("/_/authz/evaluate (XACML JSON Profile)", () => {
  const request = (role: string, method: string) => ({
    Request: {
      AccessSubject: { Attribute: [{ AttributeId: "urn:oasis:names:tc:xacml:2.0:subject:role", Value: role }] },
      Action: { Attribute: [{ AttributeId: "urn:oasis:names:tc:xacml:1.0:action:action-id", Value: method }] },
    },
  });

  test("answers a Response, decided by the stored policies", async () => {
    const permit = (await (await send("POST", "/evaluate", request("reader", "GET"))).json()) as { Response: object[] };
    expect(permit.Response[0]).toMatchObject({
      Decision: "Permit",
      Status: { StatusCode: { Value: "urn:oasis:names:tc:xacml:1.0:status:ok" } },
      PolicyIdentifierList: { PolicyIdReference: [{ Id: "readers", Version: "1.0" }] },
    });
    const deny = (await (await send("POST", "/evaluate", request("reader", "POST"))).json()) as { Response: object[] };
    expect(deny.Response[0]).toMatchObject({ Decision: "Deny" });
  });

  test("an invalid request is 400 REQUEST_INVALID naming the path", async () => {
    const res = await send("POST", "/evaluate", {
      Request: { Action: { Attribute: [{ AttributeId: "a", Value: "x", DataType: "nope" }] } },
    });
    expect(res.status).toBe(400);
    expect(await error(res)).toMatchObject({
      code: "REQUEST_INVALID",
      message: expect.stringContaining("$.Request.Action.Attribute[0].DataType"),
    });
  });
});

describe("/_/authz/explain", () => {
  test("the simple form: which policies and rules matched, and the trace", async () => {
    const res = await send("POST", "/explain", {
      method: "GET",
      path: "/echo/x",
      identity: { sub: "alice", roles: ["reader"] },
    });
    expect(await res.json()).toMatchObject({
      decision: "Permit",
      decidedBy: { policy: "readers", rule: "readers:rule" },
      matched: { policySets: ["buntime:root"], policies: ["readers"], rules: ["readers:rule"] },
      trace: [
        { kind: "PolicySet", id: "buntime:root", children: [{ kind: "Policy", id: "readers", target: "Match" }] },
      ],
    });
  });

  test("the XACML request form, and a target that does not match", async () => {
    const res = await send("POST", "/explain", {
      Request: { Action: { Attribute: [{ AttributeId: "method", Value: "GET" }] } },
    });
    expect(await res.json()).toMatchObject({
      decision: "Deny",
      decidedBy: { policy: "buntime:root" },
      matched: { policies: [], rules: [] },
      trace: [{ children: [{ id: "readers", target: "NoMatch", decision: "NotApplicable" }] }],
    });
  });

  test("an invalid simple form names the field", async () => {
    expect(await error(await send("POST", "/explain", { method: "GET" }))).toMatchObject({
      code: "REQUEST_INVALID",
      message: expect.stringContaining("$.path"),
    });
  });
});
