import { describe, expect, test } from "bun:test";
import {
  ATTRIBUTE,
  addAttribute,
  attributeId,
  CATEGORY,
  categoryId,
  designate,
  type PdpRequest,
} from "./attributes.ts";
import { atom, DATA_TYPES } from "./datatypes.ts";
import { EvaluationError, STATUS } from "./decision.ts";

describe("request context and designators", () => {
  const request: PdpRequest = new Map();
  addAttribute(request, "AccessSubject", "role", [atom.string("reader"), atom.string("writer")]);
  addAttribute(request, "subject", "claim:level", [atom.integer(3)]);
  addAttribute(request, "subject", "claim:level", [atom.string("three")], "other-idp");

  test("short names resolve to the spec's URNs", () => {
    expect(categoryId("AccessSubject")).toBe(CATEGORY.accessSubject);
    expect(categoryId("urn:custom")).toBe("urn:custom");
    expect(attributeId("method")).toBe(ATTRIBUTE.actionId);
    expect(attributeId("claim:email")).toBe("claim:email");
  });

  test("a designator selects the bag of its id and data type", () => {
    const roles = designate(request, {
      category: CATEGORY.accessSubject,
      attributeId: ATTRIBUTE.role,
      dataType: DATA_TYPES.string,
      mustBePresent: false,
    });
    expect(roles.items.map((a) => a.value)).toEqual(["reader", "writer"]);
    const level = designate(request, {
      category: CATEGORY.accessSubject,
      attributeId: "claim:level",
      dataType: DATA_TYPES.integer,
      mustBePresent: false,
    });
    expect(level.items.map((a) => a.value)).toEqual([3]);
  });

  test("an issuer narrows the bag", () => {
    const bag = designate(request, {
      category: CATEGORY.accessSubject,
      attributeId: "claim:level",
      dataType: DATA_TYPES.string,
      mustBePresent: false,
      issuer: "other-idp",
    });
    expect(bag.items.map((a) => a.value)).toEqual(["three"]);
  });

  test("a missing attribute is an empty bag, or missing-attribute when it must be present", () => {
    const absent = { category: CATEGORY.accessSubject, attributeId: ATTRIBUTE.group, dataType: DATA_TYPES.string };
    expect(designate(request, { ...absent, mustBePresent: false }).items).toEqual([]);
    try {
      designate(request, { ...absent, mustBePresent: true });
      throw new Error("not thrown");
    } catch (error) {
      expect(error).toBeInstanceOf(EvaluationError);
      expect((error as EvaluationError).status.code).toBe(STATUS.missingAttribute);
    }
  });
});
