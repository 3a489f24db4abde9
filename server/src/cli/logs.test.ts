import { expect, test } from "bun:test";
import { formatLine } from "./logs.ts";

const plain = { red: (t: string) => t, green: (t: string) => t, dim: (t: string) => t, bold: (t: string) => t };
const line = (message: string) => ({
  app: "hello",
  version: "1.0.0",
  worker: 1,
  level: "info",
  time: "2026-01-01T00:00:00.000Z",
  message,
});

test("an app's control characters reach the terminal as text, never as escape sequences", () => {
  const hostile = "ok\x1b]52;c;ZXZpbA==\x07 \x1b[2J\rfake\x9b31m";
  const out = formatLine(line(hostile), plain);
  const controls = [...out].filter((c) => c !== "\t" && c !== "\n" && /\p{Cc}/u.test(c));
  expect(controls).toEqual([]);
  expect(out).toContain("ok\\x1b]52;c;ZXZpbA==\\x07 \\x1b[2J\\x0dfake\\x9b31m");
});

test("tabs stay; a message's later lines are indented, so none passes for a line of its own", () => {
  expect(formatLine(line("a\tb\nc"), plain)).toEndWith(" a\tb\n    c");
  const forged = formatLine(line("ok\n2026-01-01T00:00:00.000Z ERROR other@9.9.9 w7 forged"), plain);
  expect(forged.split("\n")[1]).toStartWith("    2026");
});

test("characters that reorder or break the text (bidi overrides, U+2028) are shown, not obeyed", () => {
  const out = formatLine(line("abc\u202edcba\u2028x\u2066y"), plain);
  expect(out).toEndWith(" abc\\u202edcba\\u2028x\\u2066y");
});

test("with colours on, the runtime's own escape codes stay codes", () => {
  const dim = (t: string) => `\x1b[2m${t}\x1b[0m`;
  const out = formatLine({ ...line("hi\x1b[31m"), requestId: "r1" }, { ...plain, dim });
  expect(out).toContain("\x1b[2mr1\x1b[0m");
  expect(out).toEndWith(" hi\\x1b[31m");
});
