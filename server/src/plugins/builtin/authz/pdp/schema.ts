/**
 * The JSON mapping of XACML 3.0 `<Policy>` and `<PolicySet>` (XACML has no standard JSON form for
 * policies): each XML element becomes an object whose keys are the element's attributes and
 * child elements by their XML names; repeated children are arrays. The zod schemas validate it
 * and compile it to the model in `model.ts`; an issue's path is the JSON path of the fault.
 * The authz README.md has the mapping in full.
 */
import { z } from "zod";
import { attributeId, categoryId, type Designator } from "./attributes.ts";
import { type AlgorithmKind, canonicalAlgorithm } from "./combining.ts";
import { type Atom, DATA_TYPES, type DataType, dataTypeOf, inferType, parseAtom } from "./datatypes.ts";
import { acceptsArity, FUNCTIONS } from "./functions/index.ts";
import type {
  DirectiveExpression,
  Expression,
  MatchNode,
  PolicyNode,
  PolicySetNode,
  RuleNode,
  TargetNode,
} from "./model.ts";
import { variableIssues } from "./variables.ts";

const id = z.string().min(1);

const dataType = z
  .string()
  .optional()
  .transform((name, ctx): DataType | undefined => {
    if (name === undefined) return undefined;
    const type = dataTypeOf(name);
    if (!type) ctx.addIssue({ code: "custom", message: `unknown DataType ${JSON.stringify(name)}` });
    return type;
  });

const functionId = z.string().superRefine((fid, ctx) => {
  if (!FUNCTIONS.has(fid)) ctx.addIssue({ code: "custom", message: `unknown function ${JSON.stringify(fid)}` });
});

/** `<AttributeValue DataType="…">text</AttributeValue>` → `{ "DataType", "Value" }`; DataType inferred as in the JSON Profile. */
const attributeValue = z.strictObject({ DataType: dataType, Value: z.unknown() }).transform((v, ctx): Atom => {
  if (v.Value === undefined) {
    ctx.addIssue({ code: "custom", message: "Value is required", path: ["Value"] });
    return z.NEVER;
  }
  const type = v.DataType ?? inferType(v.Value);
  if (!type) {
    ctx.addIssue({ code: "custom", message: "Value must be a string, number or boolean", path: ["Value"] });
    return z.NEVER;
  }
  try {
    return parseAtom(type, v.Value);
  } catch (error) {
    ctx.addIssue({ code: "custom", message: (error as Error).message, path: ["Value"] });
    return z.NEVER;
  }
});

const designator = z
  .strictObject({
    Category: id.transform(categoryId),
    AttributeId: id.transform(attributeId),
    DataType: dataType,
    MustBePresent: z.boolean().default(false),
    Issuer: z.string().optional(),
  })
  .transform(
    (d): Designator => ({
      category: d.Category,
      attributeId: d.AttributeId,
      dataType: d.DataType ?? DATA_TYPES.string,
      mustBePresent: d.MustBePresent,
      ...(d.Issuer === undefined ? {} : { issuer: d.Issuer }),
    }),
  );

const EXPRESSION_KEYS = ["Apply", "AttributeValue", "AttributeDesignator", "VariableReference", "Function"] as const;

/** An `<Expression>`: an object with exactly one of Apply, AttributeValue, AttributeDesignator, VariableReference, Function. */
const expressionSchema: z.ZodType<Expression, unknown> = z.lazy(() =>
  z
    .strictObject({
      Apply: z
        .strictObject({
          FunctionId: functionId,
          Description: z.string().optional(),
          Expression: z.array(expressionSchema).default([]),
        })
        .superRefine((apply, ctx) => {
          const def = FUNCTIONS.get(apply.FunctionId);
          if (def && !acceptsArity(def, apply.Expression.length)) {
            ctx.addIssue({
              code: "custom",
              message: `${apply.FunctionId} does not take ${apply.Expression.length} arguments`,
              path: ["Expression"],
            });
          }
        })
        .optional(),
      AttributeValue: attributeValue.optional(),
      AttributeDesignator: designator.optional(),
      VariableReference: z.strictObject({ VariableId: id }).optional(),
      Function: z.strictObject({ FunctionId: functionId }).optional(),
    })
    .transform((e, ctx): Expression => {
      const present = EXPRESSION_KEYS.filter((key) => e[key] !== undefined);
      if (present.length !== 1) {
        ctx.addIssue({ code: "custom", message: `an expression has exactly one of ${EXPRESSION_KEYS.join(", ")}` });
        return z.NEVER;
      }
      if (e.Apply) return { kind: "apply", functionId: e.Apply.FunctionId, args: e.Apply.Expression };
      if (e.AttributeValue) return { kind: "value", value: e.AttributeValue };
      if (e.AttributeDesignator) return { kind: "designator", designator: e.AttributeDesignator };
      if (e.VariableReference) return { kind: "variable", variableId: e.VariableReference.VariableId };
      return { kind: "function", functionId: e.Function!.FunctionId };
    }),
);

const match = z
  .strictObject({ MatchId: functionId, AttributeValue: attributeValue, AttributeDesignator: designator })
  .superRefine((m, ctx) => {
    const def = FUNCTIONS.get(m.MatchId);
    if (def && (def.returns !== DATA_TYPES.boolean || !acceptsArity(def, 2))) {
      ctx.addIssue({
        code: "custom",
        message: `${m.MatchId} is not a two-argument boolean function`,
        path: ["MatchId"],
      });
    }
  })
  .transform((m): MatchNode => ({ functionId: m.MatchId, value: m.AttributeValue, designator: m.AttributeDesignator }));

/** `<Target>`: `{ "AnyOf": [{ "AllOf": [{ "Match": [...] }] }] }`; absent or `{}` matches anything. */
const target = z
  .strictObject({
    AnyOf: z
      .array(z.strictObject({ AllOf: z.array(z.strictObject({ Match: z.array(match).min(1) })).min(1) }))
      .default([]),
  })
  .optional()
  .transform((t): TargetNode => (t?.AnyOf ?? []).map((anyOf) => anyOf.AllOf.map((allOf) => allOf.Match)));

const effect = z.enum(["Permit", "Deny"]);

const assignments = z
  .array(
    z.strictObject({
      AttributeId: id,
      Category: id.transform(categoryId).optional(),
      Issuer: z.string().optional(),
      Expression: expressionSchema,
    }),
  )
  .default([])
  .transform((list) =>
    list.map(({ Expression: expression, AttributeId, Category, Issuer }) => ({
      attributeId: AttributeId,
      expression,
      ...(Category === undefined ? {} : { category: Category }),
      ...(Issuer === undefined ? {} : { issuer: Issuer }),
    })),
  );

/**
 * `<ObligationExpressions>` or `<AdviceExpressions>`: the two differ only in the names of their
 * id and effect attributes (`ObligationId`/`FulfillOn`, `AdviceId`/`AppliesTo`).
 */
function directives<IdKey extends string, OnKey extends string>(idKey: IdKey, onKey: OnKey) {
  // zod types computed keys as an index signature; `Item` is what the shape below produces.
  type Item = Record<IdKey, string> &
    Record<OnKey, z.output<typeof effect>> & { AttributeAssignmentExpression: z.output<typeof assignments> };
  return z
    .array(z.strictObject({ [idKey]: id, [onKey]: effect, AttributeAssignmentExpression: assignments }))
    .default([])
    .transform((list) =>
      (list as Item[]).map(
        (d): DirectiveExpression => ({
          id: d[idKey],
          appliesTo: d[onKey],
          assignments: d.AttributeAssignmentExpression,
        }),
      ),
    );
}

const obligations = directives("ObligationId", "FulfillOn");
const advice = directives("AdviceId", "AppliesTo");

function algorithm(kind: AlgorithmKind) {
  return z.string().transform((name, ctx) => {
    const urn = canonicalAlgorithm(name, kind);
    if (!urn) {
      ctx.addIssue({ code: "custom", message: `unknown ${kind}-combining algorithm ${JSON.stringify(name)}` });
      return z.NEVER;
    }
    return urn;
  });
}

const version = z
  .string()
  .regex(/^\d+(\.\d+)*$/, "a version is numbers separated by dots")
  .default("1.0");

const rule = z
  .strictObject({
    RuleId: id,
    Effect: effect,
    Description: z.string().optional(),
    Target: target,
    Condition: expressionSchema.optional(),
    ObligationExpressions: obligations,
    AdviceExpressions: advice,
  })
  .transform(
    (r): RuleNode => ({
      id: r.RuleId,
      effect: r.Effect,
      target: r.Target,
      obligations: r.ObligationExpressions,
      advice: r.AdviceExpressions,
      ...(r.Description === undefined ? {} : { description: r.Description }),
      ...(r.Condition === undefined ? {} : { condition: r.Condition }),
    }),
  );

/** A `<Policy>`: `{ "PolicyId", "Version", "RuleCombiningAlgId", "Target", "VariableDefinition", "Rule", … }`. */
export const policySchema = z
  .strictObject({
    PolicyId: id,
    Version: version,
    Description: z.string().optional(),
    RuleCombiningAlgId: algorithm("rule"),
    Target: target,
    VariableDefinition: z.array(z.strictObject({ VariableId: id, Expression: expressionSchema })).default([]),
    Rule: z.array(rule).default([]),
    ObligationExpressions: obligations,
    AdviceExpressions: advice,
  })
  .transform((p, ctx): PolicyNode => {
    // Here rather than in a refinement: zod runs refinements even when a child failed, but
    // not transforms, and these checks need the compiled expressions.
    const issues = variableIssues(p.VariableDefinition, p.Rule);
    for (const issue of issues) ctx.addIssue({ code: "custom", ...issue });
    if (issues.length > 0) return z.NEVER;
    return {
      kind: "Policy",
      id: p.PolicyId,
      version: p.Version,
      target: p.Target,
      algorithm: p.RuleCombiningAlgId,
      variables: new Map(p.VariableDefinition.map((v) => [v.VariableId, v.Expression])),
      rules: p.Rule,
      obligations: p.ObligationExpressions,
      advice: p.AdviceExpressions,
      ...(p.Description === undefined ? {} : { description: p.Description }),
    };
  });

/**
 * A `<PolicySet>`: `{ "PolicySetId", "Version", "PolicyCombiningAlgId", "Target", "Policy": [...],
 * "PolicySet": [...], … }`. XML interleaves the two kinds of children; here the `Policy` entries
 * are combined first, then the `PolicySet` entries (nest a set to order them otherwise).
 */
export const policySetSchema: z.ZodType<PolicySetNode, unknown> = z.lazy(() =>
  z
    .strictObject({
      PolicySetId: id,
      Version: version,
      Description: z.string().optional(),
      PolicyCombiningAlgId: algorithm("policy"),
      Target: target,
      Policy: z.array(policySchema).default([]),
      PolicySet: z.array(policySetSchema).default([]),
      ObligationExpressions: obligations,
      AdviceExpressions: advice,
    })
    .transform(
      (s): PolicySetNode => ({
        kind: "PolicySet",
        id: s.PolicySetId,
        version: s.Version,
        target: s.Target,
        algorithm: s.PolicyCombiningAlgId,
        children: [...s.Policy, ...s.PolicySet],
        obligations: s.ObligationExpressions,
        advice: s.AdviceExpressions,
        ...(s.Description === undefined ? {} : { description: s.Description }),
      }),
    ),
);
