import { describe, expect, test } from "bun:test";
import { PluginOptionsError } from "@buntime/sdk";
import { authnOptionsSchema } from "./options.ts";
import { authnPlugin } from "./plugin.ts";

const ISSUER = "https://sso.example.com/realms/acme";
const SECRET = "s".repeat(32);

/** The message of the error the plugin factory throws for these options. */
async function rejection(options: unknown): Promise<string> {
  const error = await authnPlugin(options).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PluginOptionsError);
  return (error as Error).message;
}

describe("options: defaults", () => {
  test("clockTolerance 30 s, no exclusions, not optional, RS256/ES256/PS256, 5 s timeouts", () => {
    const o = authnOptionsSchema.parse({ provider: "oidc", issuer: ISSUER });
    expect(o.clockTolerance).toBe(30);
    expect(o.excludePaths).toEqual([]);
    expect(o.optional).toBe(false);
    expect(o.algorithms).toEqual(["RS256", "ES256", "PS256"]);
    expect(o.discoveryTimeoutMs).toBe(5000);
    expect(o.jwksTimeoutMs).toBe(5000);
  });

  test("keycloak url + realm make the issuer", () => {
    const o = authnOptionsSchema.parse({ provider: "keycloak", url: "https://sso.example.com/", realm: "acme" });
    expect(o.issuer).toBe(ISSUER);
  });

  test("a jwt secret defaults to HS256", () => {
    expect(authnOptionsSchema.parse({ provider: "jwt", secret: SECRET }).algorithms).toEqual(["HS256"]);
  });
});

describe("options: each rule names its field", () => {
  const cases: [string, unknown, string][] = [
    ["provider is required", {}, "provider"],
    ["provider is one of keycloak, oidc, jwt", { provider: "saml" }, "provider"],
    ["issuer is an http(s) URL", { provider: "oidc", issuer: "not a url" }, "issuer"],
    ["issuer is not ftp", { provider: "oidc", issuer: "ftp://sso.example.com" }, "issuer"],
    ["issuer has no query", { provider: "oidc", issuer: `${ISSUER}?x=1` }, "issuer"],
    ["oidc needs an issuer", { provider: "oidc" }, "issuer"],
    ["keycloak needs an issuer or url + realm", { provider: "keycloak" }, "issuer"],
    ["keycloak realm needs url", { provider: "keycloak", realm: "acme" }, "url"],
    ["keycloak url needs realm", { provider: "keycloak", url: "https://sso.example.com" }, "realm"],
    [
      "keycloak: not both issuer and url",
      { provider: "keycloak", issuer: ISSUER, url: "https://x.example", realm: "a" },
      "issuer",
    ],
    ["realm is a name", { provider: "keycloak", url: "https://sso.example.com", realm: "a/b" }, "realm"],
    ["url only with keycloak", { provider: "oidc", issuer: ISSUER, url: "https://sso.example.com" }, "url"],
    ["secret only with jwt", { provider: "oidc", issuer: ISSUER, secret: SECRET }, "secret"],
    ["jwt needs a key", { provider: "jwt" }, "jwks"],
    [
      "jwt takes one key only",
      { provider: "jwt", secret: SECRET, publicKey: { kty: "RSA", n: "x", e: "AQAB" } },
      "jwks",
    ],
    ["secret has at least 32 characters", { provider: "jwt", secret: "short" }, "secret"],
    ["publicKey is a PEM or a JWK", { provider: "jwt", publicKey: "abc" }, "publicKey"],
    ["publicKey has no private part", { provider: "jwt", publicKey: { kty: "EC", d: "x" } }, "publicKey"],
    ["jwks has no symmetric keys", { provider: "jwt", jwks: { keys: [{ kty: "oct", k: "x" }] } }, "jwks.keys.0"],
    ["algorithms never include none", { provider: "oidc", issuer: ISSUER, algorithms: ["none"] }, "algorithms.0"],
    ["HS* only with a secret", { provider: "oidc", issuer: ISSUER, algorithms: ["RS256", "HS256"] }, "algorithms"],
    ["a secret only with HS*", { provider: "jwt", secret: SECRET, algorithms: ["RS256"] }, "algorithms"],
    ["algorithms is not empty", { provider: "oidc", issuer: ISSUER, algorithms: [] }, "algorithms"],
    ["clockTolerance is whole seconds", { provider: "oidc", issuer: ISSUER, clockTolerance: 1.5 }, "clockTolerance"],
    ["clockTolerance is not negative", { provider: "oidc", issuer: ISSUER, clockTolerance: -1 }, "clockTolerance"],
    ["excludePaths start with /", { provider: "oidc", issuer: ISSUER, excludePaths: ["public/**"] }, "excludePaths.0"],
    ["optional is a boolean", { provider: "oidc", issuer: ISSUER, optional: "yes" }, "optional"],
    [
      "discoveryTimeoutMs is positive",
      { provider: "oidc", issuer: ISSUER, discoveryTimeoutMs: 0 },
      "discoveryTimeoutMs",
    ],
    ["jwksTimeoutMs is positive", { provider: "oidc", issuer: ISSUER, jwksTimeoutMs: -5 }, "jwksTimeoutMs"],
    ["audience is not empty", { provider: "oidc", issuer: ISSUER, audience: "" }, "audience"],
    ["unknown options are refused", { provider: "oidc", issuer: ISSUER, audiance: "x" }, "audiance"],
  ];
  for (const [rule, options, field] of cases) {
    test(rule, async () => {
      expect(await rejection(options)).toContain(field);
    });
  }

  test("an unreadable public key fails when the plugin is built, naming publicKey", async () => {
    const pem = "-----BEGIN PUBLIC KEY-----\nnot base64\n-----END PUBLIC KEY-----";
    await expect(authnPlugin({ provider: "jwt", publicKey: pem })).rejects.toThrow("publicKey");
  });
});
