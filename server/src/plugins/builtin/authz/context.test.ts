import { describe, expect, test } from "bun:test";
import { accessRequest, appOfPath } from "./context.ts";
import { ATTRIBUTE, CATEGORY, DATA_TYPES, decide, type PdpRequest, parseEntries, rootPolicySet } from "./pdp/index.ts";

const values = (request: PdpRequest, category: string, id: string) =>
  request
    .get(category)
    ?.get(id)
    ?.map((a) => a.value.value);

describe("the context handler", () => {
  const identity = {
    sub: "alice",
    username: "alice",
    roles: ["reader", "writer"],
    groups: ["ops"],
    claims: { email_verified: true, level: 3, amr: ["pwd", "otp"], address: { city: "X" }, big: 2 ** 60 },
  };
  const request = accessRequest({
    identity,
    method: "get",
    path: "/echo@1/x",
    app: "echo",
    version: "1.0.0",
    clientAddress: "10.0.0.1",
  });

  test("the identity becomes the access subject: sub, roles, groups and claims", () => {
    const S = CATEGORY.accessSubject;
    expect(values(request, S, ATTRIBUTE.subjectId)).toEqual(["alice"]);
    expect(values(request, S, ATTRIBUTE.role)).toEqual(["reader", "writer"]);
    expect(values(request, S, ATTRIBUTE.group)).toEqual(["ops"]);
    expect(values(request, S, "claim:email_verified")).toEqual([true]);
    expect(request.get(S)?.get("claim:level")?.[0]?.value.type).toBe(DATA_TYPES.integer);
    expect(values(request, S, "claim:amr")).toEqual(["pwd", "otp"]);
    expect(values(request, S, "claim:address")).toEqual([]);
    expect(request.get(S)?.get("claim:big")?.[0]?.value.type).toBe(DATA_TYPES.double);
  });

  test("resource, action and environment", () => {
    expect(values(request, CATEGORY.resource, ATTRIBUTE.app)).toEqual(["echo"]);
    expect(values(request, CATEGORY.resource, ATTRIBUTE.version)).toEqual(["1.0.0"]);
    expect(values(request, CATEGORY.resource, ATTRIBUTE.path)).toEqual(["/echo@1/x"]);
    expect(values(request, CATEGORY.resource, ATTRIBUTE.resourceId)).toEqual(["/echo@1/x"]);
    expect(values(request, CATEGORY.action, ATTRIBUTE.actionId)).toEqual(["GET"]);
    expect(values(request, CATEGORY.environment, ATTRIBUTE.clientAddress)).toEqual(["10.0.0.1"]);
  });

  test("action-id is one value, HEAD too: policies may take string-one-and-only of it (the plugin judges HEAD as GET too)", () => {
    const head = accessRequest({ identity: undefined, method: "HEAD", path: "/echo/x" });
    expect(values(head, CATEGORY.action, ATTRIBUTE.actionId)).toEqual(["HEAD"]);
  });

  test("no identity, no subject", () => {
    expect(accessRequest({ identity: undefined, method: "GET", path: "/_/stats" }).has(CATEGORY.accessSubject)).toBe(
      false,
    );
  });

  test.each([
    ["/echo/x", "echo"],
    ["/echo@%5E1.2.0/x", "echo"],
    ["/echo", "echo"],
    ["/_/stats", undefined],
    ["/", undefined],
    ["/%E0%A4%A/x", "%E0%A4%A"],
  ])("the app of %s is %p", (path, app) => {
    expect(appOfPath(path)).toBe(app);
  });
});

test("a policy can name an API key alone: its runtime-set claim, which a person's token with the same sub lacks", () => {
  const parsed = parseEntries([
    {
      id: "ci-only",
      effect: "permit",
      subjects: [{ id: "ci", claim: "buntime:credential", value: "api-key" }],
    },
  ]);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  const root = rootPolicySet(parsed.value);
  const as = (claims: Record<string, unknown>) =>
    decide(
      root,
      accessRequest({
        identity: { sub: "ci", username: "ci", roles: [], groups: [], claims },
        method: "GET",
        path: "/_/stats",
      }),
      { now: new Date() },
    ).decision;
  expect(as({ sub: "ci", "buntime:credential": "api-key" })).toBe("Permit"); // what the guard makes of the key
  expect(as({ sub: "ci" })).toBe("Deny"); // a person's token: authn drops a token's own buntime:* claims
});
