import { beforeAll, describe, expect, mock, test } from "bun:test";
import { base64url, exportJWK, exportSPKI, generateKeyPair, type JWTPayload, SignJWT } from "jose";
import { signingKey } from "../../../../../test/support/authn-keys.ts";
import { AuthnFailure } from "./failure.ts";
import { type KeyResolver, staticKeys } from "./keys.ts";
import { type TokenRules, verifyToken } from "./verify.ts";

const ISSUER = "https://sso.example.com/realms/acme";
const RULES: TokenRules = { algorithms: ["RS256"], issuer: ISSUER, audience: "api", clockTolerance: 30 };
const now = () => Math.floor(Date.now() / 1000);

let privateKey: CryptoKey;
let publicPem: string;
let keys: KeyResolver;

const sign = (claims: JWTPayload = {}, kid = "k1", key: CryptoKey = privateKey): Promise<string> =>
  new SignJWT({ iss: ISSUER, aud: "api", sub: "u1", iat: now(), exp: now() + 300, ...claims })
    .setProtectedHeader({ alg: "RS256", kid })
    .sign(key);

/** The reason `verifyToken` refuses `token` with, or "accepted". */
async function verdict(token: string, rules: TokenRules = RULES, resolver: KeyResolver = keys): Promise<string> {
  try {
    await verifyToken(token, resolver, rules);
    return "accepted";
  } catch (error) {
    if (error instanceof AuthnFailure) return error.reason;
    throw error;
  }
}

beforeAll(async () => {
  const key = await signingKey();
  privateKey = key.privateKey;
  publicPem = await exportSPKI(key.publicKey);
  keys = staticKeys({ jwks: { keys: [key.jwk] } });
});

describe("verifyToken", () => {
  test("a good token gives its claims", async () => {
    const claims = await verifyToken(await sign({ scope: "x" }), keys, RULES);
    expect(claims).toMatchObject({ sub: "u1", scope: "x" });
  });

  test("expiry and not-before allow the clock tolerance, and no more", async () => {
    expect(await verdict(await sign({ exp: now() - 10 }))).toBe("accepted");
    expect(await verdict(await sign({ exp: now() - 60 }))).toBe("expired");
    expect(await verdict(await sign({ nbf: now() + 10 }))).toBe("accepted");
    expect(await verdict(await sign({ nbf: now() + 120 }))).toBe("not_yet_valid");
  });

  test("issuer and audience must match", async () => {
    expect(await verdict(await sign({ iss: "https://evil.example.com/realms/acme" }))).toBe("issuer");
    expect(await verdict(await sign({ aud: "other" }))).toBe("audience");
    expect(await verdict(await sign({ aud: ["other", "api"] }))).toBe("accepted");
  });

  test("a token that never expires, or names no one, is refused", async () => {
    expect(await verdict(await sign({ exp: undefined }))).toBe("claims");
    expect(await verdict(await sign({ sub: undefined }))).toBe("claims");
  });

  test("alg none is refused", async () => {
    const encode = (value: object) => base64url.encode(JSON.stringify(value));
    const unsigned = `${encode({ alg: "none", typ: "JWT" })}.${encode({ iss: ISSUER, aud: "api", sub: "u1", exp: now() + 60 })}.`;
    expect(await verdict(unsigned)).toBe("algorithm");
  });

  test("HS256 signed with the public key (key confusion) is refused before any key is looked up", async () => {
    const resolver = mock(keys);
    const token = await new SignJWT({ iss: ISSUER, aud: "api", sub: "u1", exp: now() + 60 })
      .setProtectedHeader({ alg: "HS256", kid: "k1" })
      .sign(new TextEncoder().encode(publicPem));
    expect(await verdict(token, RULES, resolver)).toBe("algorithm");
    expect(resolver).not.toHaveBeenCalled();
  });

  test("an unknown kid is refused", async () => {
    const stranger = await generateKeyPair("RS256");
    expect(await verdict(await sign({}, "k1", stranger.privateKey))).toBe("signature");
    expect(await verdict(await sign({}, "unknown", stranger.privateKey))).toBe("unknown_key");
  });

  test("a tampered payload fails the signature", async () => {
    const [header, , signature] = (await sign()).split(".");
    const payload = base64url.encode(JSON.stringify({ iss: ISSUER, aud: "api", sub: "admin", exp: now() + 60 }));
    expect(await verdict(`${header}.${payload}.${signature}`)).toBe("signature");
  });

  test("malformed tokens are refused", async () => {
    for (const token of ["not-a-jwt", "a.b.c", "..", `${base64url.encode("{}")}.e30.`]) {
      expect(await verdict(token)).toBe("malformed");
    }
  });

  test("a token over 16 KB is refused before any crypto", async () => {
    const resolver = mock(keys);
    const huge = await sign({ padding: "x".repeat(17_000) });
    expect(await verdict(huge, RULES, resolver)).toBe("too_large");
    expect(resolver).not.toHaveBeenCalled();
  });

  test("without an audience rule any audience passes; without an issuer rule any issuer", async () => {
    const loose: TokenRules = { ...RULES, issuer: undefined, audience: undefined };
    expect(await verdict(await sign({ aud: "whatever", iss: "https://other.example" }), loose)).toBe("accepted");
  });
});

describe("staticKeys", () => {
  test("an HMAC secret verifies HS256 tokens", async () => {
    const secret = "a-secret-of-at-least-32-characters!!";
    const token = await new SignJWT({ sub: "u1", exp: now() + 60 })
      .setProtectedHeader({ alg: "HS256" })
      .sign(new TextEncoder().encode(secret));
    const rules: TokenRules = { algorithms: ["HS256"], issuer: undefined, audience: undefined, clockTolerance: 0 };
    expect(await verdict(token, rules, staticKeys({ secret }))).toBe("accepted");
    expect(await verdict(token, rules, staticKeys({ secret: `${secret}?` }))).toBe("signature");
  });

  test("one PEM public key verifies tokens with or without a kid", async () => {
    const resolver = staticKeys({ publicKey: publicPem });
    expect(await verdict(await sign({}, "any-kid"), RULES, resolver)).toBe("accepted");
  });

  test("a public key of the wrong type for the token's algorithm is refused", async () => {
    const ec = await generateKeyPair("ES256", { extractable: true });
    const resolver = staticKeys({ publicKey: await exportJWK(ec.publicKey) });
    expect(await verdict(await sign(), RULES, resolver)).toBe("algorithm");
  });
});
