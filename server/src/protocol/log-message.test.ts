import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { guestMessage, isGuestMessage } from "./guest-messages.ts";
import { isLogMessage, logMessage, MAX_LINES_PER_MESSAGE, MAX_MESSAGE_CHARS } from "./log-message.ts";

const line = { level: "info", time: 1, message: "hi" };
const good = { type: "log", lines: [line], dropped: 0 };

describe("the log message", () => {
  const cases: [string, unknown][] = [
    ["a valid one", good],
    ["no lines", { ...good, lines: [] }],
    ["every field", { ...good, lines: [{ ...line, requestId: "r", traceparent: "t" }] }],
    ["an unknown level", { ...good, lines: [{ ...line, level: "trace" }] }],
    ["a negative time", { ...good, lines: [{ ...line, time: -1 }] }],
    ["a fractional time", { ...good, lines: [{ ...line, time: 1.5 }] }],
    ["a message too long", { ...good, lines: [{ ...line, message: "x".repeat(MAX_MESSAGE_CHARS + 1) }] }],
    ["a message at the bound", { ...good, lines: [{ ...line, message: "x".repeat(MAX_MESSAGE_CHARS) }] }],
    ["a message that is not a string", { ...good, lines: [{ ...line, message: 1 }] }],
    ["an extra field in a line", { ...good, lines: [{ ...line, extra: 1 }] }],
    ["a request id too long", { ...good, lines: [{ ...line, requestId: "r".repeat(257) }] }],
    ["a request id that is a number", { ...good, lines: [{ ...line, requestId: 5 }] }],
    ["too many lines", { ...good, lines: Array(MAX_LINES_PER_MESSAGE + 1).fill(line) }],
    ["lines at the bound", { ...good, lines: Array(MAX_LINES_PER_MESSAGE).fill(line) }],
    ["a negative drop count", { ...good, dropped: -1 }],
    ["no drop count", { type: "log", lines: [] }],
    ["lines that are not a list", { ...good, lines: {} }],
    ["a line that is null", { ...good, lines: [null] }],
    ["a line that is a list", { ...good, lines: [[]] }],
  ];
  for (const [what, value] of cases) {
    test(`the hand check agrees with the schema: ${what}`, () => {
      expect(isGuestMessage(value)).toBe(guestMessage.safeParse(value).success);
      if (isGuestMessage(value)) expect(isLogMessage(value as Record<string, unknown>)).toBe(true);
    });
  }

  test("a valid one is accepted, and a property: the two always agree", () => {
    expect(logMessage.safeParse(good).success).toBe(true);
    expect(isGuestMessage(good)).toBe(true);
    const anyLine = fc.record(
      {
        level: fc.constantFrom("debug", "info", "warn", "error", "loud"),
        time: fc.oneof(fc.nat(), fc.integer(), fc.double()),
        message: fc.oneof(fc.string(), fc.nat()),
        requestId: fc.string({ maxLength: 300 }),
        traceparent: fc.string(),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fc.array(anyLine, { maxLength: 4 }), fc.oneof(fc.nat(), fc.integer()), (lines, dropped) => {
        const value = { type: "log", lines, dropped };
        expect(isGuestMessage(value)).toBe(guestMessage.safeParse(value).success);
      }),
    );
  });
});
