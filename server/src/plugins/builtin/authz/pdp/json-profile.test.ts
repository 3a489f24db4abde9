import { describe, expect, test } from "bun:test";
import { ATTRIBUTE, CATEGORY } from "./attributes.ts";
import { DATA_TYPES } from "./datatypes.ts";
import { parseEntries, rootPolicySet } from "./entries.ts";
import { jsonResponse, parseJsonRequest } from "./json-profile.ts";
import { decide } from "./pdp.ts";

const REQUEST = {
  Request: {
    AccessSubject: {
      Attribute: [
        { AttributeId: "urn:oasis:names:tc:xacml:1.0:subject:subject-id", Value: "alice" },
        { AttributeId: "role", Value: ["reader", "writer"] },
      ],
    },
    Resource: [
      {
        Attribute: [
          { AttributeId: "app", Value: "echo" },
          { AttributeId: "path", Value: "/echo/x" },
        ],
      },
    ],
    Action: { Attribute: [{ AttributeId: "urn:oasis:names:tc:xacml:1.0:action:action-id", Value: "GET" }] },
    Environment: {
      Attribute: [
        { AttributeId: "current-time", Value: "12:00:00Z", DataType: "http://www.w3.org/2001/XMLSchema#time" },
      ],
    },
    Category: [{ CategoryId: "urn:example:custom", Attribute: [{ AttributeId: "level", Value: 3 }] }],
  },
};

describe("XACML JSON Profile requests", () => {
  test("read into the request context, short names and bags included", () => {
    const r = parseJsonRequest(REQUEST);
    if (!r.ok) throw new Error(JSON.stringify(r.issues));
    const subject = r.value.request.get(CATEGORY.accessSubject);
    expect(subject?.get(ATTRIBUTE.role)?.map((a) => a.value.value)).toEqual(["reader", "writer"]);
    expect(r.value.request.get(CATEGORY.environment)?.get(ATTRIBUTE.currentTime)?.[0]?.value.type).toBe(
      DATA_TYPES.time,
    );
    expect(r.value.request.get("urn:example:custom")?.get("level")?.[0]?.value).toEqual({
      type: DATA_TYPES.integer,
      value: 3,
    });
    expect(r.value.returnPolicyIdList).toBe(true);
  });

  test.each([
    [{}, "$.Request"],
    [{ Request: { AccessSubject: [{ Attribute: [] }, { Attribute: [] }] } }, "$.Request.AccessSubject"],
    [
      { Request: { Action: { Attribute: [{ AttributeId: "x", Value: "a", DataType: "xs:nope" }] } } },
      "$.Request.Action.Attribute[0].DataType",
    ],
    [
      { Request: { Action: { Attribute: [{ AttributeId: "x", Value: "noon", DataType: "time" }] } } },
      "$.Request.Action.Attribute[0].Value",
    ],
    [
      { Request: { Action: { Attribute: [{ AttributeId: "x", Value: { a: 1 } }] } } },
      "$.Request.Action.Attribute[0].Value",
    ],
  ])("an invalid request %j names %s", (raw, path) => {
    const r = parseJsonRequest(raw);
    expect(r.ok ? [] : r.issues.map((i) => i.path)).toContain(path);
  });
});

describe("XACML JSON Profile responses", () => {
  const entries = parseEntries([
    {
      PolicyId: "readers",
      Version: "2.0",
      RuleCombiningAlgId: "first-applicable",
      Rule: [{ RuleId: "r", Effect: "Permit" }],
      ObligationExpressions: [
        {
          ObligationId: "urn:buntime:obligation:log",
          FulfillOn: "Permit",
          AttributeAssignmentExpression: [
            { AttributeId: "message", Expression: { AttributeValue: { Value: "hello" } } },
          ],
        },
      ],
      AdviceExpressions: [
        {
          AdviceId: "urn:example:hint",
          AppliesTo: "Permit",
          AttributeAssignmentExpression: [{ AttributeId: "n", Expression: { AttributeValue: { Value: 1 } } }],
        },
      ],
    },
  ]);
  if (!entries.ok) throw new Error("invalid");
  const result = decide(rootPolicySet(entries.value), new Map(), { now: new Date() });

  test("carry the decision, status, obligations, advice and the applicable policies", () => {
    expect(jsonResponse(result)).toEqual({
      Response: [
        {
          Decision: "Permit",
          Status: { StatusCode: { Value: "urn:oasis:names:tc:xacml:1.0:status:ok" } },
          Obligations: [
            {
              Id: "urn:buntime:obligation:log",
              AttributeAssignment: [{ AttributeId: "message", Value: "hello", DataType: "string" }],
            },
          ],
          AssociatedAdvice: [
            { Id: "urn:example:hint", AttributeAssignment: [{ AttributeId: "n", Value: 1, DataType: "integer" }] },
          ],
          PolicyIdentifierList: {
            PolicyIdReference: [{ Id: "readers", Version: "2.0" }],
            PolicySetIdReference: [{ Id: "buntime:root", Version: "1.0" }],
          },
        },
      ],
    });
  });

  test("leave the policy list out when the request says ReturnPolicyIdList: false", () => {
    expect(jsonResponse(result, false).Response[0]).not.toHaveProperty("PolicyIdentifierList");
  });
});
