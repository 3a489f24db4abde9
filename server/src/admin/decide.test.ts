import { describe, expect, test } from "bun:test";
import { type AfterFacts, type BeforeFacts, refuseAfter, refuseBefore } from "./decide.ts";

const code = (r: { code: string } | undefined) => r?.code ?? "pass";

describe("refuseBefore", () => {
  const base: BeforeFacts = { stateChanging: false, configured: true, credential: "none" };
  test("nothing configured: writes are ADMIN_LOCKED whatever is sent, reads go on", () => {
    for (const credential of ["none", "invalid", "for-authn"] as const) {
      expect(code(refuseBefore({ ...base, configured: false, stateChanging: true, credential }))).toBe("ADMIN_LOCKED");
    }
    expect(code(refuseBefore({ ...base, configured: false }))).toBe("pass");
  });
  test("a wrong credential is 401; a missing one is left to the hooks and `after`", () => {
    expect(code(refuseBefore({ ...base, credential: "invalid" }))).toBe("UNAUTHENTICATED");
    expect(code(refuseBefore({ ...base, credential: "none", stateChanging: true }))).toBe("pass");
    expect(code(refuseBefore({ ...base, credential: "for-authn" }))).toBe("pass");
    expect(code(refuseBefore({ ...base, credential: "verified", stateChanging: true }))).toBe("pass");
  });
  test("a write signed in by the session cookie without the CSRF header is 403; a read is not", () => {
    const cookie = { ...base, credential: "verified", cookieWithoutCsrfHeader: true } as const;
    expect(code(refuseBefore({ ...cookie, stateChanging: true }))).toBe("FORBIDDEN");
    expect(code(refuseBefore(cookie))).toBe("pass");
    expect(code(refuseBefore({ ...cookie, stateChanging: true, cookieWithoutCsrfHeader: false }))).toBe("pass");
  });
});

describe("refuseAfter", () => {
  const base: AfterFacts = { required: "deployer", configured: true, authz: false, roles: undefined };
  test("no caller is 401, even when the policies let it through", () => {
    expect(code(refuseAfter(base))).toBe("UNAUTHENTICATED");
    expect(code(refuseAfter({ ...base, authz: true }))).toBe("UNAUTHENTICATED");
  });
  test("nothing configured: what reached here (reads) is open", () => {
    expect(code(refuseAfter({ ...base, configured: false }))).toBe("pass");
  });
  test("without authz the highest admin role must reach the route's", () => {
    expect(code(refuseAfter({ ...base, roles: ["viewer"] }))).toBe("FORBIDDEN");
    expect(code(refuseAfter({ ...base, roles: ["user", "reader"] }))).toBe("FORBIDDEN");
    expect(code(refuseAfter({ ...base, roles: ["viewer", "deployer"] }))).toBe("pass");
    expect(code(refuseAfter({ ...base, roles: ["admin"], required: "admin" }))).toBe("pass");
  });
  test("with authz the policies decided: any known caller passes", () => {
    expect(code(refuseAfter({ ...base, authz: true, roles: [] }))).toBe("pass");
  });
});
