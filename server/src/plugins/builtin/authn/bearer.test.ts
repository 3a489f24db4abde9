import { expect, test } from "bun:test";
import { bearerToken, MAX_TOKEN_BYTES } from "./bearer.ts";
import { AuthnFailure } from "./failure.ts";

const reason = (header: string): string | undefined => {
  try {
    bearerToken(header);
    return undefined;
  } catch (error) {
    return (error as AuthnFailure).reason;
  }
};

test("reads the token of a Bearer header, the scheme in any case", () => {
  expect(bearerToken("Bearer abc.def-_~+/.ghi==")).toBe("abc.def-_~+/.ghi==");
  expect(bearerToken("bearer abc")).toBe("abc");
  expect(bearerToken("BEARER  abc ")).toBe("abc");
});

test("no header, or another scheme, is no token", () => {
  expect(bearerToken(null)).toBeUndefined();
  expect(bearerToken("Basic dXNlcjpwYXNz")).toBeUndefined();
  expect(bearerToken("Bearerish abc")).toBeUndefined();
});

test("a Bearer header without a b64token is malformed", () => {
  expect(reason("Bearer")).toBe("malformed");
  expect(reason("Bearer ")).toBe("malformed");
  expect(reason("Bearer a b")).toBe("malformed");
  expect(reason("Bearer <script>")).toBe("malformed");
});

test("a token over 16 KB is refused; 16 KB exactly is read", () => {
  expect(bearerToken(`Bearer ${"a".repeat(MAX_TOKEN_BYTES)}`)).toHaveLength(MAX_TOKEN_BYTES);
  expect(reason(`Bearer ${"a".repeat(MAX_TOKEN_BYTES + 1)}`)).toBe("too_large");
  expect(reason(`Bearer ${"a".repeat(1_000_000)}`)).toBe("too_large");
  expect(new AuthnFailure("too_large")).toBeInstanceOf(Error);
});
