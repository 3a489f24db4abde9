import type { z } from "zod";

type Issue = z.core.$ZodIssue;

/**
 * Formats a zod error as `field: message; field: message`, naming every failing field: the one
 * formatter of the runtime, the SDK and the emulator. `root` names an issue about the whole
 * value; `label` writes a field's dotted path (a CLI writes `--rounds`).
 *
 * Where zod alone says "Invalid input", it says more: a union reports the branch that matched
 * the value's type (or the types it expected), and a bad record key is named with its path.
 *
 * @example
 * formatIssues(schema.safeParse(raw).error, "(options)"); // "timeout: Too small: expected number to be >0"
 */
export function formatIssues(
  error: z.ZodError,
  root = "(root)",
  label: (path: string) => string = (path) => path,
): string {
  const name = (path: readonly PropertyKey[]) => (path.length > 0 ? label(path.map(String).join(".")) : root);
  return describe(error.issues, [], name).join("; ");
}

function describe(
  issues: readonly Issue[],
  prefix: readonly PropertyKey[],
  name: (path: readonly PropertyKey[]) => string,
): string[] {
  return issues.flatMap((issue) => {
    const path = [...prefix, ...issue.path];
    if (issue.code === "invalid_union") {
      // Branches that failed only because the value has another type say nothing useful.
      const typed = issue.errors.filter((branch) => !branch.every((i) => i.code === "invalid_type" && !i.path.length));
      if (typed.length === 1) return describe(typed[0] as Issue[], path, name);
      const expected = issue.errors.flatMap((branch) =>
        branch.flatMap((i) => (i.code === "invalid_type" ? [i.expected] : [])),
      );
      if (typed.length === 0 && expected.length > 0) return [`${name(path)}: expected ${expected.join(" or ")}`];
    }
    if (issue.code === "invalid_key" || issue.code === "invalid_element") return describe(issue.issues, path, name);
    return [`${name(path)}: ${issue.message}`];
  });
}
