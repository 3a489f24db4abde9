import { type ParseError, parse, printParseErrorCode } from "jsonc-parser";

/** A JSONC syntax error, with the 1-based line and column of the first problem. */
export class JsoncError extends Error {
  override readonly name = "JsoncError";
  constructor(
    message: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(message);
  }
}

/**
 * Parses JSONC (comments, trailing commas) with `jsonc-parser`, the parser VS Code uses.
 * @throws JsoncError `"<file>:<line>:<column>: <problem>"` for the first syntax error
 */
export function parseJsonc(text: string, file = "<input>"): unknown {
  const errors: ParseError[] = [];
  const value = parse(text, errors, { allowTrailingComma: true, disallowComments: false });
  const first = errors[0];
  if (first) {
    const before = text.slice(0, first.offset);
    const line = before.split("\n").length;
    const column = first.offset - before.lastIndexOf("\n");
    throw new JsoncError(`${file}:${line}:${column}: ${printParseErrorCode(first.error)}`, line, column);
  }
  return value;
}
