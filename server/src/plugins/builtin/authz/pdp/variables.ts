/**
 * The checks a Policy's `VariableDefinition`s need before it is used (XACML 3.0 §5.24–5.25):
 * each defined once, every `VariableReference` defined, and no definition reaching itself.
 */
import type { Expression, RuleNode } from "./model.ts";

export interface VariableIssue {
  message: string;
  /** Below the Policy: `["Rule", 0]`, `["VariableDefinition", 1]`. */
  path: (string | number)[];
}

/** The variables an expression refers to. */
export function references(expression: Expression, out: Set<string> = new Set()): Set<string> {
  if (expression.kind === "variable") out.add(expression.variableId);
  if (expression.kind === "apply") for (const arg of expression.args) references(arg, out);
  return out;
}

/** A path of variables that leads back to its start, if any. */
export function findCycle(graph: ReadonlyMap<string, ReadonlySet<string>>): string[] | undefined {
  const state = new Map<string, "open" | "done">();
  const visit = (node: string, path: string[]): string[] | undefined => {
    if (state.get(node) === "done") return undefined;
    if (state.get(node) === "open") return [...path.slice(path.indexOf(node)), node];
    state.set(node, "open");
    for (const next of graph.get(node) ?? []) {
      const found = visit(next, [...path, node]);
      if (found) return found;
    }
    state.set(node, "done");
    return undefined;
  };
  for (const node of graph.keys()) {
    const found = visit(node, []);
    if (found) return found;
  }
  return undefined;
}

/** What is wrong with a policy's variables; empty when nothing is. */
export function variableIssues(
  definitions: readonly { VariableId: string; Expression: Expression }[],
  rules: readonly RuleNode[],
): VariableIssue[] {
  const issues: VariableIssue[] = [];
  const graph = new Map<string, Set<string>>();
  for (const [i, v] of definitions.entries()) {
    if (graph.has(v.VariableId))
      issues.push({ message: `variable ${v.VariableId} is defined twice`, path: ["VariableDefinition", i] });
    graph.set(v.VariableId, references(v.Expression));
  }
  const check = (expressions: readonly (Expression | undefined)[], path: (string | number)[]) => {
    for (const expression of expressions) {
      for (const ref of expression ? references(expression) : []) {
        if (!graph.has(ref)) issues.push({ message: `undefined variable ${ref}`, path });
      }
    }
  };
  for (const [i, v] of definitions.entries()) check([v.Expression], ["VariableDefinition", i]);
  for (const [i, rule] of rules.entries()) {
    const directives = [...rule.obligations, ...rule.advice].flatMap((d) => d.assignments.map((a) => a.expression));
    check([rule.condition, ...directives], ["Rule", i]);
  }
  const cycle = findCycle(graph);
  if (cycle)
    issues.push({ message: `variables refer to each other: ${cycle.join(" → ")}`, path: ["VariableDefinition"] });
  return issues;
}
