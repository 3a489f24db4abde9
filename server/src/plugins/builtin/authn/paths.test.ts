import { expect, test } from "bun:test";
import { exemptions } from "./paths.ts";

test("GET and HEAD of /_/health and /_/ready need no token; other methods on them do", () => {
  const exempt = exemptions([]);
  for (const path of ["/_/health", "/_/ready"]) {
    expect(exempt("GET", path)).toBe(true);
    expect(exempt("HEAD", path)).toBe(true);
    expect(exempt("POST", path)).toBe(false);
  }
});

test("/_/authn/well-known needs no token; /_/authn/me does", () => {
  const exempt = exemptions([]);
  expect(exempt("GET", "/_/authn/well-known")).toBe(true);
  expect(exempt("GET", "/_/authn/me")).toBe(false);
});

test("* matches within one segment", () => {
  const exempt = exemptions(["/public/*"]);
  expect(exempt("GET", "/public/logo.svg")).toBe(true);
  expect(exempt("GET", "/public/img/logo.svg")).toBe(false);
  expect(exempt("GET", "/publicity")).toBe(false);
});

test("** matches across segments", () => {
  const exempt = exemptions(["/docs/**", "/echo*/open/**"]);
  expect(exempt("GET", "/docs/a/b/c")).toBe(true);
  expect(exempt("DELETE", "/echo@1/open/x/y")).toBe(true);
  expect(exempt("GET", "/echo@1/closed/x")).toBe(false);
  expect(exempt("GET", "/documents")).toBe(false);
});

test("nothing else is exempt", () => {
  const exempt = exemptions(["/public/**"]);
  expect(exempt("GET", "/")).toBe(false);
  expect(exempt("GET", "/_/metrics")).toBe(false);
  expect(exempt("GET", "/hello/public/x")).toBe(false);
});
