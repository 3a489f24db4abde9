import { describe, expect, test } from "bun:test";
import { formatIssues, jsonPath, MAX_POLICY_DEPTH, parseEntries, ROOT_POLICY_ID, rootPolicySet } from "./entries.ts";

const short = (id: string, priority?: number) => ({
  id,
  effect: "permit",
  ...(priority === undefined ? {} : { priority }),
});
const full = (id: string) => ({ PolicyId: id, RuleCombiningAlgId: "first-applicable" });

describe("policy entries", () => {
  test("a mixed array parses: Policy, PolicySet and short form", () => {
    const r = parseEntries([full("a"), { PolicySetId: "b", PolicyCombiningAlgId: "deny-overrides" }, short("c")]);
    expect(r.ok && r.value.map((e) => [e.id, e.form])).toEqual([
      ["a", "Policy"],
      ["b", "PolicySet"],
      ["c", "short"],
    ]);
  });

  test("the source is kept as given", () => {
    const source = short("c", 3);
    const r = parseEntries([source]);
    expect(r.ok && r.value[0]?.source).toBe(source);
  });

  test("an id used twice is refused at the second use", () => {
    const r = parseEntries([full("a"), short("a")]);
    expect(r.ok ? [] : r.issues).toEqual([{ path: "$[1]", message: 'the id "a" is used twice' }]);
  });

  test("every invalid entry is reported, with its index", () => {
    const r = parseEntries([short("ok"), { id: "x", effect: "maybe" }, 42]);
    expect(r.ok ? [] : r.issues.map((i) => i.path)).toEqual(["$[1].effect", "$[2]"]);
  });

  test("a policy nested past the bound is refused by name, not by the stack (5,000 PolicySets deep)", () => {
    const sets = (levels: number) => {
      let set: object = { PolicySetId: "s0", PolicyCombiningAlgId: "deny-overrides", Policy: [full("leaf")] };
      for (let i = 1; i < levels; i++)
        set = { PolicySetId: `s${i}`, PolicyCombiningAlgId: "deny-overrides", PolicySet: [set] };
      return set;
    };
    const r = parseEntries([sets(5000)]);
    expect(r.ok ? [] : r.issues).toEqual([
      { path: "$[0]", message: `a policy nests deeper than ${MAX_POLICY_DEPTH} levels` },
    ]);
    expect(parseEntries([sets(10)]).ok).toBe(true);
  });

  test("not an array", () => {
    expect(parseEntries({}).ok).toBe(false);
  });

  test("the root set orders entries by priority, lower first, ties in store order", () => {
    const r = parseEntries([short("late", 20), full("full"), short("early", -1), short("tie", 0)]);
    if (!r.ok) throw new Error("invalid");
    const root = rootPolicySet(r.value);
    expect(root.id).toBe(ROOT_POLICY_ID);
    expect(root.algorithm).toBe("urn:oasis:names:tc:xacml:3.0:policy-combining-algorithm:deny-unless-permit");
    expect(root.children.map((c) => c.id)).toEqual(["early", "full", "tie", "late"]);
  });

  test("JSON paths and issue lines", () => {
    expect(jsonPath("$", [0, "Rule", 1, "Effect"])).toBe("$[0].Rule[1].Effect");
    expect(jsonPath("$", ["a-b"])).toBe('$["a-b"]');
    expect(
      formatIssues([
        { path: "$.a", message: "m" },
        { path: "$.b", message: "n" },
      ]),
    ).toBe("$.a: m; $.b: n");
  });
});
