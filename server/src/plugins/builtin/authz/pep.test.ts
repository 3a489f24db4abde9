import { describe, expect, test } from "bun:test";
import { type AuthzDecision, atom, type Directive, ROOT_POLICY_ID, STATUS } from "./pdp/index.ts";
import { enforce, OBLIGATION } from "./pep.ts";

const result = (over: Partial<AuthzDecision>): AuthzDecision => ({
  decision: "Permit",
  extended: "Permit",
  status: { code: STATUS.ok },
  obligations: [],
  advice: [],
  policyId: "p",
  applicable: [],
  ...over,
});
const directive = (id: string, assignments: Record<string, string> = {}): Directive => ({
  id,
  assignments: Object.entries(assignments).map(([attributeId, value]) => ({ attributeId, value: atom.string(value) })),
});

describe("the PEP (deny-biased, XACML 3.0 §7.2.2)", () => {
  test("Permit lets the request through", () => {
    expect(enforce(result({}))).toEqual({ allow: true, actions: [] });
  });

  test.each([
    [
      { decision: "Deny", extended: "Deny", policyId: "blockers", ruleId: "r" },
      'denied by policy "blockers" (rule "r")',
    ],
    [
      { decision: "Deny", extended: "Deny", policyId: ROOT_POLICY_ID },
      `no policy permits it (denied by policy "${ROOT_POLICY_ID}")`,
    ],
    [{ decision: "NotApplicable", extended: "NotApplicable", policyId: ROOT_POLICY_ID }, "no policy applies"],
    [
      {
        decision: "Indeterminate",
        extended: "Indeterminate{P}",
        policyId: "p",
        status: { code: STATUS.missingAttribute, message: "missing attribute x" },
      },
      'policy "p" could not be evaluated: missing attribute x',
    ],
  ] as [Partial<AuthzDecision>, string][])(
    "anything but Permit denies, naming the deciding policy: %o",
    (over, reason) => {
      const e = enforce(result(over));
      expect(e.allow).toBe(false);
      expect(e.reason).toContain(reason);
    },
  );

  test("obligations it can fulfil become actions", () => {
    const e = enforce(
      result({
        obligations: [
          directive(OBLIGATION.log, { message: "hi" }),
          directive(OBLIGATION.responseHeader, { name: "x-policy", value: "p" }),
        ],
      }),
    );
    expect(e).toEqual({
      allow: true,
      actions: [
        { kind: "log", id: OBLIGATION.log, fields: { message: "hi" } },
        { kind: "header", name: "x-policy", value: "p" },
      ],
    });
  });

  test("an obligation it cannot fulfil denies, naming it", () => {
    const e = enforce(result({ obligations: [directive("urn:example:email-the-auditor")] }));
    expect(e.allow).toBe(false);
    expect(e.reason).toContain('requires obligation "urn:example:email-the-auditor"');
  });

  test("a malformed header obligation cannot be fulfilled", () => {
    expect(
      enforce(result({ obligations: [directive(OBLIGATION.responseHeader, { name: "bad name", value: "v" })] })).allow,
    ).toBe(false);
    expect(enforce(result({ obligations: [directive(OBLIGATION.responseHeader, { value: "v" })] })).allow).toBe(false);
  });

  test("advice it does not understand is ignored", () => {
    expect(enforce(result({ advice: [directive("urn:example:hint")] }))).toEqual({ allow: true, actions: [] });
  });
});
