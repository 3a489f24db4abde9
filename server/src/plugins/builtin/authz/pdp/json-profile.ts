/**
 * The JSON Profile of XACML 3.0 (v1.0) for `/evaluate`: a `{"Request": …}` object to a request
 * context, and a decision to a `{"Response": [ … ]}` object. One decision per request: the
 * Multiple Decision Profile (several instances of a category, `MultiRequests`) is refused.
 */
import { z } from "zod";
import { addAttribute, type PdpRequest } from "./attributes.ts";
import { type Atom, type DataType, dataTypeOf, formatAtom, inferType, parseAtom, shortTypeName } from "./datatypes.ts";
import type { Directive } from "./decision.ts";
import { type Parsed, type PolicyIssue, zodIssues } from "./entries.ts";
import type { AuthzDecision } from "./pdp.ts";

const primitive = z.union([z.string(), z.number(), z.boolean()]);

const attribute = z.object({
  AttributeId: z.string().min(1),
  Value: z.union([primitive, z.array(primitive)]),
  DataType: z.string().optional(),
  Issuer: z.string().optional(),
  IncludeInResult: z.boolean().optional(),
});

const category = z.object({
  CategoryId: z.string().optional(),
  Id: z.string().optional(),
  Attribute: z.array(attribute).default([]),
});

/** One category object, or an array of exactly one (several would be a multiple-decision request). */
const oneCategory = z
  .unknown()
  .transform((raw, ctx): z.output<typeof category> | undefined => {
    if (raw === undefined) return undefined;
    const list = Array.isArray(raw) ? raw : [raw];
    if (list.length > 1) {
      ctx.addIssue({ code: "custom", message: "multiple decision requests are not supported" });
      return z.NEVER;
    }
    if (list.length === 0) return undefined;
    // Parsed here rather than with z.union, whose issues would lose the path inside the category.
    const parsed = category.safeParse(list[0]);
    if (parsed.success) return parsed.data;
    for (const issue of parsed.error.issues) {
      ctx.addIssue({
        code: "custom",
        message: issue.message,
        path: Array.isArray(raw) ? [0, ...issue.path] : issue.path,
      });
    }
    return z.NEVER;
  })
  .optional();

/** `{"Request": {…}}` (JSON Profile §4.2). */
const jsonRequestSchema = z.object({
  Request: z.object({
    ReturnPolicyIdList: z.boolean().optional(),
    CombinedDecision: z.boolean().optional(),
    AccessSubject: oneCategory,
    Resource: oneCategory,
    Action: oneCategory,
    Environment: oneCategory,
    Category: z.array(category.extend({ CategoryId: z.string().min(1) })).default([]),
    MultiRequests: z.never().optional(),
  }),
});

export interface JsonRequest {
  request: PdpRequest;
  /** Whether the response lists the applicable policies; default true. */
  returnPolicyIdList: boolean;
}

/** Reads a JSON Profile request; values without `DataType` get the type their JSON type implies. */
export function parseJsonRequest(raw: unknown): Parsed<JsonRequest> {
  const parsed = jsonRequestSchema.safeParse(raw);
  if (!parsed.success) return { ok: false, issues: zodIssues(parsed.error) };
  const { Request: r } = parsed.data;
  const request: PdpRequest = new Map();
  const issues: PolicyIssue[] = [];
  const categories: [string, string, z.output<typeof category> | undefined][] = [
    ["AccessSubject", "AccessSubject", r.AccessSubject],
    ["Resource", "Resource", r.Resource],
    ["Action", "Action", r.Action],
    ["Environment", "Environment", r.Environment],
    ...r.Category.map((c, i): [string, string, typeof c] => [`Category[${i}]`, c.CategoryId, c]),
  ];
  for (const [where, categoryId, cat] of categories) {
    cat?.Attribute.forEach((a, i) => {
      const values = Array.isArray(a.Value) ? a.Value : [a.Value];
      const type: DataType | undefined = a.DataType ? dataTypeOf(a.DataType) : inferType(values[0] ?? "");
      const path = `$.Request.${where}.Attribute[${i}]`;
      if (!type) {
        issues.push({ path: `${path}.DataType`, message: `unknown DataType ${JSON.stringify(a.DataType)}` });
        return;
      }
      try {
        const atoms = values.map((v) => parseAtom(type, v));
        addAttribute(request, categoryId, a.AttributeId, atoms, a.Issuer);
      } catch (error) {
        issues.push({ path: `${path}.Value`, message: (error as Error).message });
      }
    });
  }
  if (issues.length > 0) return { ok: false, issues };
  return { ok: true, value: { request, returnPolicyIdList: r.ReturnPolicyIdList ?? true } };
}

function jsonValue(value: Atom) {
  return { Value: formatAtom(value), DataType: shortTypeName(value.type) };
}

function directives(list: readonly Directive[]) {
  return list.map((d) => ({
    Id: d.id,
    AttributeAssignment: d.assignments.map((a) => ({
      AttributeId: a.attributeId,
      ...jsonValue(a.value),
      ...(a.category === undefined ? {} : { Category: a.category }),
      ...(a.issuer === undefined ? {} : { Issuer: a.issuer }),
    })),
  }));
}

/** A decision as a JSON Profile response (§4.2.3). */
export function jsonResponse(result: AuthzDecision, returnPolicyIdList = true) {
  const refs = (kind: "Policy" | "PolicySet") =>
    result.applicable.filter((p) => p.kind === kind).map((p) => ({ Id: p.id, Version: p.version }));
  return {
    Response: [
      {
        Decision: result.decision,
        Status: {
          StatusCode: { Value: result.status.code },
          ...(result.status.message === undefined ? {} : { StatusMessage: result.status.message }),
        },
        ...(result.obligations.length > 0 ? { Obligations: directives(result.obligations) } : {}),
        ...(result.advice.length > 0 ? { AssociatedAdvice: directives(result.advice) } : {}),
        ...(returnPolicyIdList
          ? { PolicyIdentifierList: { PolicyIdReference: refs("Policy"), PolicySetIdReference: refs("PolicySet") } }
          : {}),
      },
    ],
  };
}
