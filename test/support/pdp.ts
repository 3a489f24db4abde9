/**
 * Helpers for the PDP's unit tests: requests and policies from terse JSON.
 */
import {
  ATTRIBUTE,
  addAttribute,
  CATEGORY,
  type PdpRequest,
} from "../../server/src/plugins/builtin/authz/pdp/attributes.ts";
import {
  type Atom,
  atom,
  DATA_TYPES,
  inferType,
  parseAtom,
} from "../../server/src/plugins/builtin/authz/pdp/datatypes.ts";
import { formatIssues, parseEntry } from "../../server/src/plugins/builtin/authz/pdp/entries.ts";
import type { EvalContext, MatchNode, PolicyTree } from "../../server/src/plugins/builtin/authz/pdp/model.ts";

type Primitive = string | number | boolean;
type Attributes = Record<string, Primitive | Primitive[] | Atom[]>;

const isAtom = (v: unknown): v is Atom => typeof v === "object" && v !== null && "type" in v;

/** A request context; attribute and category names may be short (`role`, `method`, `subject`). */
export function request(categories: {
  subject?: Attributes;
  resource?: Attributes;
  action?: Attributes;
  environment?: Attributes;
}): PdpRequest {
  const out: PdpRequest = new Map();
  for (const [category, attributes] of Object.entries(categories)) {
    for (const [id, raw] of Object.entries(attributes ?? {})) {
      const values = (Array.isArray(raw) ? raw : [raw]) as (Primitive | Atom)[];
      addAttribute(
        out,
        category,
        id,
        values.map((v) => (isAtom(v) ? v : parseAtom(inferType(v)!, v))),
      );
    }
  }
  return out;
}

/** A compiled policy from its JSON (full XACML or short form); throws on an invalid one. */
export function policy(json: unknown): PolicyTree {
  const parsed = parseEntry(json);
  if (!parsed.ok) throw new Error(formatIssues(parsed.issues));
  return parsed.value.node;
}

/** An evaluation context over a request, UTC as the default zone. */
export function context(req: PdpRequest = new Map(), extra: Partial<EvalContext> = {}): EvalContext {
  return { request: req, defaultOffset: 0, ...extra };
}

/** A `<Match>` of the subject's role against `value` (string-equal). */
export function roleMatch(value: string, mustBePresent = false): MatchNode {
  return {
    functionId: FN.stringEqual,
    value: atom.string(value),
    designator: {
      category: CATEGORY.accessSubject,
      attributeId: ATTRIBUTE.role,
      dataType: DATA_TYPES.string,
      mustBePresent,
    },
  };
}

/** `{ "AttributeDesignator": … }` in the JSON mapping. */
export function designatorJson(category: string, id: string, dataType = "string", mustBePresent = false) {
  return {
    AttributeDesignator: { Category: category, AttributeId: id, DataType: dataType, MustBePresent: mustBePresent },
  };
}

/** `{ "Apply": … }` in the JSON mapping. */
export function applyJson(fn: string, ...args: unknown[]) {
  return { Apply: { FunctionId: fn, Expression: args } };
}

/** `{ "AttributeValue": … }` in the JSON mapping. */
export function valueJson(value: Primitive, dataType?: string) {
  return { AttributeValue: dataType ? { DataType: dataType, Value: value } : { Value: value } };
}

export const FN = {
  stringEqual: "urn:oasis:names:tc:xacml:1.0:function:string-equal",
  stringIsIn: "urn:oasis:names:tc:xacml:1.0:function:string-is-in",
  stringOneAndOnly: "urn:oasis:names:tc:xacml:1.0:function:string-one-and-only",
  integerOneAndOnly: "urn:oasis:names:tc:xacml:1.0:function:integer-one-and-only",
  integerGreaterThan: "urn:oasis:names:tc:xacml:1.0:function:integer-greater-than",
  regexp: "urn:oasis:names:tc:xacml:1.0:function:string-regexp-match",
  and: "urn:oasis:names:tc:xacml:1.0:function:and",
  or: "urn:oasis:names:tc:xacml:1.0:function:or",
  not: "urn:oasis:names:tc:xacml:1.0:function:not",
} as const;
