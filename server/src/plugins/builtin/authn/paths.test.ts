import { expect, test } from "bun:test";
import { exemptions } from "./paths.ts";

test("GET /_/health needs no token; other methods on it do", () => {
  const exempt = exemptions([]);
  expect(exempt("GET", "/_/health")).toBe(true);
  expect(exempt("POST", "/_/health")).toBe(false);
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
