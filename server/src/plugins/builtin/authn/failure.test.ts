import { expect, test } from "bun:test";
import { AuthnFailure, failureResponse } from "./failure.ts";

test("no token: 401 UNAUTHENTICATED with a Bearer challenge and no error (RFC 6750 §3)", async () => {
  const res = failureResponse(new AuthnFailure("missing"));
  expect(res.status).toBe(401);
  expect(res.headers.get("www-authenticate")).toBe('Bearer realm="buntime"');
  const body = (await res.json()) as { error: { code: string; message: string } };
  expect(body.error.code).toBe("UNAUTHENTICATED");
});

test('an invalid token: 401 with error="invalid_token"', async () => {
  const res = failureResponse(new AuthnFailure("expired"));
  expect(res.status).toBe(401);
  expect(res.headers.get("www-authenticate")).toStartWith('Bearer realm="buntime", error="invalid_token"');
  expect(((await res.json()) as { error: { code: string } }).error.code).toBe("UNAUTHENTICATED");
});

test("provider unavailable: 503 AUTH_PROVIDER_UNAVAILABLE, no challenge", async () => {
  const res = failureResponse(new AuthnFailure("unavailable"));
  expect(res.status).toBe(503);
  expect(res.headers.get("www-authenticate")).toBeNull();
  expect(((await res.json()) as { error: { code: string } }).error.code).toBe("AUTH_PROVIDER_UNAVAILABLE");
});
