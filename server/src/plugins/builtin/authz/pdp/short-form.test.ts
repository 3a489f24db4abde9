import { describe, expect, test } from "bun:test";
import { context, request } from "../../../../../../test/support/pdp.ts";
import { atom } from "./datatypes.ts";
import type { Decision } from "./decision.ts";
import { parseEntry } from "./entries.ts";
import type { PolicyNode } from "./model.ts";
import { evaluatePolicy } from "./policy.ts";

const EXAMPLE = {
  id: "readers-get-echo",
  effect: "permit",
  priority: 10,
  subjects: [{ role: "reader" }],
  resources: [{ app: "echo" }, { path: "/_/stats" }],
  actions: [{ method: "GET" }],
  conditions: [{ time: { after: "08:00", before: "18:00" } }],
};

function compile(json: unknown): PolicyNode {
  const r = parseEntry(json);
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.value.node as PolicyNode;
}

interface Http {
  roles?: string[];
  sub?: string;
  groups?: string[];
  claims?: Record<string, string | number | boolean>;
  app?: string;
  path?: string;
  method?: string;
  time?: string;
}

/** A request as the PEP builds it, at `time` (UTC). */
function http({ roles, sub, groups, claims, app, path = "/", method = "GET", time = "12:00:00Z" }: Http) {
  const subject: Record<string, string | number | boolean | string[]> = Object.fromEntries(
    Object.entries(claims ?? {}).map(([name, value]) => [`claim:${name}`, value]),
  );
  if (roles) subject.role = roles;
  if (sub) subject["subject-id"] = sub;
  if (groups) subject.group = groups;
  return context(
    request({
      subject,
      resource: { path, ...(app ? { app } : {}) },
      action: { method },
      environment: { "current-time": [atom.time(time)] },
    }),
  );
}

const decides = (json: unknown, req: Http): Decision => evaluatePolicy(compile(json), http(req)).decision;

describe("the short form compiles to a XACML Policy", () => {
  test("with the target, one rule, and the spec's first-applicable", () => {
    const p = compile(EXAMPLE);
    expect(p.id).toBe("readers-get-echo");
    expect(p.algorithm).toBe("urn:oasis:names:tc:xacml:1.0:rule-combining-algorithm:first-applicable");
    expect(p.target).toHaveLength(3);
    expect(p.target[1]).toHaveLength(2); // two alternative resources
    expect(p.rules).toHaveLength(1);
    expect(p.rules[0]).toMatchObject({ id: "readers-get-echo:rule", effect: "Permit" });
  });

  test("keeps its priority on the entry", () => {
    const r = parseEntry(EXAMPLE);
    expect(r.ok && r.value).toMatchObject({ form: "short", priority: 10 });
  });

  const table: [string, Http, Decision][] = [
    ["a reader's GET on the app, in hours", { roles: ["reader"], app: "echo", path: "/echo/x" }, "Permit"],
    ["a reader's GET on /_/stats", { roles: ["reader"], path: "/_/stats" }, "Permit"],
    ["a reader with other roles too", { roles: ["writer", "reader"], app: "echo" }, "Permit"],
    ["a reader's POST", { roles: ["reader"], app: "echo", method: "POST" }, "NotApplicable"],
    ["a writer's GET", { roles: ["writer"], app: "echo" }, "NotApplicable"],
    ["no identity", { app: "echo" }, "NotApplicable"],
    ["another app", { roles: ["reader"], app: "echoes" }, "NotApplicable"],
    ["another internal route", { roles: ["reader"], path: "/_/deployments" }, "NotApplicable"],
    ["at 08:00, the first minute", { roles: ["reader"], app: "echo", time: "08:00:00Z" }, "Permit"],
    ["after hours", { roles: ["reader"], app: "echo", time: "19:00:00Z" }, "NotApplicable"],
    ["before hours", { roles: ["reader"], app: "echo", time: "07:59:00Z" }, "NotApplicable"],
  ];
  for (const [name, req, expected] of table) {
    test(`example: ${name} → ${expected}`, () => expect(decides(EXAMPLE, req)).toBe(expected));
  }

  test("empty or missing lists match anything", () => {
    expect(decides({ id: "all", effect: "deny" }, {})).toBe("Deny");
    expect(decides({ id: "all", effect: "permit", subjects: [], actions: [] }, { method: "DELETE" })).toBe("Permit");
  });

  test("subjects by id, group and claim; the keys of one entry all apply", () => {
    const p = {
      id: "s",
      effect: "permit",
      subjects: [
        { id: "alice" },
        { group: "ops", role: "admin" },
        { claim: "email_verified", value: true },
        { claim: "level", value: 3 },
      ],
    };
    expect(decides(p, { sub: "alice" })).toBe("Permit");
    expect(decides(p, { sub: "bob" })).toBe("NotApplicable");
    expect(decides(p, { groups: ["ops"], roles: ["admin"] })).toBe("Permit");
    expect(decides(p, { groups: ["ops"] })).toBe("NotApplicable");
    expect(decides(p, { claims: { email_verified: true } })).toBe("Permit");
    expect(decides(p, { claims: { email_verified: false } })).toBe("NotApplicable");
    expect(decides(p, { claims: { level: 3 } })).toBe("Permit");
    expect(decides(p, { claims: { level: 4 } })).toBe("NotApplicable");
  });

  test("resources by app and path globs", () => {
    const p = {
      id: "g",
      effect: "permit",
      resources: [{ app: "ech*" }, { path: "/_/deployments/**" }, { app: "hello", path: "/hello/public/*" }],
    };
    expect(decides(p, { app: "echo" })).toBe("Permit");
    expect(decides(p, { path: "/_/deployments/echo/1.0.0" })).toBe("Permit");
    expect(decides(p, { path: "/_/deployments" })).toBe("Permit");
    expect(decides(p, { app: "hello", path: "/hello/public/a.css" })).toBe("Permit");
    expect(decides(p, { app: "hello", path: "/hello/private/a" })).toBe("NotApplicable");
  });

  test("methods are matched upper-cased; conditions are alternatives, across midnight too", () => {
    const p = {
      id: "m",
      effect: "permit",
      actions: [{ method: "get" }],
      conditions: [{ time: { after: "22:00", before: "02:00" } }, { time: { before: "06:30" } }],
    };
    expect(decides(p, { time: "23:00:00Z" })).toBe("Permit");
    expect(decides(p, { time: "05:00:00Z" })).toBe("Permit");
    expect(decides(p, { time: "12:00:00Z" })).toBe("NotApplicable");
    expect(
      decides({ id: "after", effect: "permit", conditions: [{ time: { after: "09:00:30" } }] }, { time: "09:00:29Z" }),
    ).toBe("NotApplicable");
  });
});

describe("an invalid short form names the JSON path", () => {
  const cases: [unknown, string][] = [
    [{ ...EXAMPLE, effect: "allow" }, "$.effect"],
    [{ ...EXAMPLE, subjects: [{}] }, "$.subjects[0]"],
    [{ ...EXAMPLE, subjects: [{ claim: "x" }] }, "$.subjects[0].value"],
    [{ ...EXAMPLE, subjects: [{ role: "a", name: "b" }] }, "$.subjects[0]"],
    [{ ...EXAMPLE, resources: [{ path: "no-slash" }] }, "$.resources[0].path"],
    [{ ...EXAMPLE, actions: [{ method: "GET POST" }] }, "$.actions[0].method"],
    [{ ...EXAMPLE, conditions: [{ time: { after: "8am" } }] }, "$.conditions[0].time.after"],
    [{ ...EXAMPLE, priority: "high" }, "$.priority"],
    [{ ...EXAMPLE, id: "" }, "$.id"],
  ];
  for (const [json, path] of cases) {
    test(path, () => {
      const r = parseEntry(json);
      expect(r.ok ? [] : r.issues.map((i) => i.path)).toContain(path);
    });
  }
});
