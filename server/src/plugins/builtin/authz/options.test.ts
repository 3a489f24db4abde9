import { describe, expect, test } from "bun:test";
import { authzOptionsSchema } from "./options.ts";

const issues = (options: unknown) => {
  const r = authzOptionsSchema.safeParse(options);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
};

describe("authz options", () => {
  test("defaults: a file store at ./data/policies.json, deny-unless-permit", () => {
    expect(authzOptionsSchema.parse({})).toEqual({
      store: "file",
      path: "./data/policies.json",
      createIfMissing: false,
      policies: [],
      algorithm: "urn:oasis:names:tc:xacml:3.0:policy-combining-algorithm:deny-unless-permit",
      excludePaths: [],
    });
  });

  test("one rule each, naming the field", () => {
    expect(issues({ store: "redis" })[0]).toStartWith("store:");
    expect(issues({ algorithm: "majority" })[0]).toStartWith("algorithm: unknown policy-combining algorithm");
    expect(issues({ excludePaths: ["metrics"] })[0]).toStartWith("excludePaths.0:");
    expect(issues({ store: "memory", policies: [{ id: "a", effect: "allow" }] })[0]).toStartWith(
      "policies: [0].effect:",
    );
    expect(issues({ policies: [{ id: "a", effect: "permit" }] })[0]).toBe(
      'policies: initial policies need store: "memory"',
    );
    expect(issues({ pth: "x" })[0]).toContain("pth");
  });

  test("an algorithm by URN or short name", () => {
    expect(authzOptionsSchema.parse({ algorithm: "first-applicable" }).algorithm).toBe(
      "urn:oasis:names:tc:xacml:1.0:policy-combining-algorithm:first-applicable",
    );
  });
});
