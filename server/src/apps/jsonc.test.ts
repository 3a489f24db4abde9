import { expect, test } from "bun:test";
import { JsoncError, parseJsonc } from "./jsonc.ts";

test("accepts comments and trailing commas", () => {
  expect(parseJsonc('{\n  // a comment\n  "a": 1, /* b */\n  "b": [1, 2,],\n}')).toEqual({ a: 1, b: [1, 2] });
});

test("names line and column of the first error", () => {
  try {
    parseJsonc('{\n  "a": 1,\n  "b" 2\n}', "worker.jsonc");
    throw new Error("expected a JsoncError");
  } catch (error) {
    expect(error).toBeInstanceOf(JsoncError);
    expect((error as JsoncError).line).toBe(3);
    expect((error as JsoncError).column).toBe(7);
    expect((error as JsoncError).message).toStartWith("worker.jsonc:3:7: ColonExpected");
  }
});
