import { expect, test } from "bun:test";
import { z } from "zod";
import { formatIssues } from "./format-issues.ts";

const issues = (schema: z.ZodType, value: unknown, ...rest: [string?, ((path: string) => string)?]) => {
  const result = schema.safeParse(value);
  if (result.success) throw new Error("expected a failure");
  return formatIssues(result.error, ...rest);
};

test("names every failing field by its dotted path; the root by `root`", () => {
  const schema = z.object({ a: z.number(), b: z.object({ c: z.string() }) });
  expect(issues(schema, { a: "1", b: { c: 2 } })).toBe(
    "a: Invalid input: expected number, received string; b.c: Invalid input: expected string, received number",
  );
  expect(issues(schema, 5, "(options)")).toStartWith("(options): ");
});

test("a label function writes the field's name (a CLI's --flag)", () => {
  expect(issues(z.object({ rounds: z.number().min(1) }), { rounds: 0 }, "(root)", (path) => `--${path}`)).toStartWith(
    "--rounds: ",
  );
});

test("a union names the branch matching the value's type, or the types it expected", () => {
  const schema = z.object({ apps: z.union([z.string().min(1), z.record(z.string(), z.string())]) });
  expect(issues(schema, { apps: "" })).toStartWith("apps: Too small");
  expect(issues(schema, { apps: { x: 1 } })).toStartWith("apps.x: Invalid input: expected string");
  expect(issues(schema, { apps: 5 })).toBe("apps: expected string or record");
});

test("a bad record key is named with its path", () => {
  const schema = z.object({
    apps: z.record(
      z.string().refine((k) => k.includes("@"), "expected name@version"),
      z.string(),
    ),
  });
  expect(issues(schema, { apps: { hello: "dir" } })).toBe("apps.hello: expected name@version");
});
