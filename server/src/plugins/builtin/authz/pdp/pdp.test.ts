import { describe, expect, test } from "bun:test";
import { request } from "../../../../../../test/support/pdp.ts";
import { ATTRIBUTE, CATEGORY } from "./attributes.ts";
import { atom, formatAtom } from "./datatypes.ts";
import { parseEntries, ROOT_POLICY_ID, rootPolicySet } from "./entries.ts";
import { clockAtoms, decide, withEnvironment } from "./pdp.ts";

function root(policies: unknown[], algorithm?: string) {
  const r = parseEntries(policies);
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return rootPolicySet(r.value, algorithm);
}

const NOON = new Date("2024-05-06T12:00:00Z");

describe("the PDP", () => {
  test("with no policy, deny-unless-permit denies, and the root is the deciding policy", () => {
    const r = decide(root([]), request({ subject: { role: "reader" } }), { now: NOON, defaultOffset: 0 });
    expect(r).toMatchObject({
      decision: "Deny",
      extended: "Deny",
      policyId: ROOT_POLICY_ID,
      applicable: [{ id: ROOT_POLICY_ID }],
    });
    expect(r.status.code).toBe("urn:oasis:names:tc:xacml:1.0:status:ok");
  });

  test("a permitting policy is named, with its rule", () => {
    const r = decide(
      root([{ id: "readers", effect: "permit", subjects: [{ role: "reader" }] }]),
      request({ subject: { role: "reader" } }),
      { now: NOON },
    );
    expect(r).toMatchObject({ decision: "Permit", policyId: "readers", ruleId: "readers:rule" });
  });

  test("a denying policy is named under deny-unless-permit", () => {
    const r = decide(root([{ id: "nobody", effect: "deny" }]), request({}), { now: NOON });
    expect(r).toMatchObject({ decision: "Deny", policyId: "nobody" });
  });

  test("another top-level algorithm can leave the decision NotApplicable or Indeterminate", () => {
    const algorithm = "urn:oasis:names:tc:xacml:3.0:policy-combining-algorithm:deny-overrides";
    expect(decide(root([], algorithm), request({}), { now: NOON }).decision).toBe("NotApplicable");
    const needsRole = {
      PolicyId: "p",
      RuleCombiningAlgId: "first-applicable",
      Rule: [
        {
          RuleId: "r",
          Effect: "Permit",
          Condition: { AttributeDesignator: { Category: "subject", AttributeId: "role", MustBePresent: true } },
        },
      ],
    };
    const r = decide(root([needsRole], algorithm), request({}), { now: NOON });
    expect(r).toMatchObject({ decision: "Indeterminate", extended: "Indeterminate{P}", policyId: "p" });
    expect(r.status.code).toBe("urn:oasis:names:tc:xacml:1.0:status:missing-attribute");
  });

  test("the time conditions read the clock it is given, in its zone", () => {
    const office = root([
      { id: "office", effect: "permit", conditions: [{ time: { after: "08:00", before: "18:00" } }] },
    ]);
    expect(decide(office, request({}), { now: NOON, defaultOffset: 0 }).decision).toBe("Permit");
    // 12:00Z is 21:00 in +09:00: outside office hours there.
    expect(decide(office, request({}), { now: NOON, defaultOffset: 540 }).decision).toBe("Deny");
  });

  test("a time condition with one bound holds in the server's zone, across UTC's midnight too", () => {
    const at = (bound: object, now: string, offset: number) =>
      decide(root([{ id: "office", effect: "permit", conditions: [{ time: bound }] }]), request({}), {
        now: new Date(now),
        defaultOffset: offset,
      }).decision;
    // 01:00Z is 20:00 in New York (-05:00): not before 18:00 there.
    expect(at({ before: "18:00" }, "2024-01-16T01:00:00Z", -300)).toBe("Deny");
    expect(at({ after: "18:00" }, "2024-01-16T01:00:00Z", -300)).toBe("Permit");
    // 23:30Z is 00:30 in Berlin (+01:00): not after 08:00, but before 18:00.
    expect(at({ after: "08:00" }, "2024-01-14T23:30:00Z", 60)).toBe("Deny");
    expect(at({ before: "18:00" }, "2024-01-14T23:30:00Z", 60)).toBe("Permit");
  });

  test("explain records the trace of what was evaluated", () => {
    const r = decide(
      root([{ id: "readers", effect: "permit", subjects: [{ role: "reader" }] }]),
      request({ subject: { role: "writer" } }),
      {
        now: NOON,
        explain: true,
      },
    );
    expect(r.trace).toEqual([
      {
        kind: "PolicySet",
        id: ROOT_POLICY_ID,
        target: "Match",
        decision: "Deny",
        children: [{ kind: "Policy", id: "readers", target: "NoMatch", decision: "NotApplicable", children: [] }],
      },
    ]);
    expect(decide(root([]), request({}), { now: NOON }).trace).toBeUndefined();
  });
});

describe("the environment the context handler adds", () => {
  test("current time, date and dateTime in the PDP's zone", () => {
    const clock = clockAtoms(new Date("2024-05-06T23:30:15Z"), 120);
    expect(formatAtom(clock.time)).toBe("01:30:15+02:00");
    expect(formatAtom(clock.date)).toBe("2024-05-07+02:00");
    expect(formatAtom(clock.dateTime)).toBe("2024-05-07T01:30:15+02:00");
  });

  test("a value the request already has is kept, and the request is not changed", () => {
    const given = request({ environment: { "current-time": [atom.time("03:00:00Z")] } });
    const filled = withEnvironment(given, NOON, 0);
    const env = filled.get(CATEGORY.environment);
    expect(env?.get(ATTRIBUTE.currentTime)?.map((a) => formatAtom(a.value))).toEqual(["03:00:00Z"]);
    expect(env?.get(ATTRIBUTE.currentDate)?.map((a) => formatAtom(a.value))).toEqual(["2024-05-06Z"]);
    expect(given.get(CATEGORY.environment)?.has(ATTRIBUTE.currentDate)).toBe(false);
  });
});
