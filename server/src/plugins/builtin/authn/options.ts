import { z } from "zod";

/** Signature algorithms a token may use. `none` is not among them, whatever the config says. */
const ASYMMETRIC_ALGORITHMS = [
  "RS256",
  "RS384",
  "RS512",
  "PS256",
  "PS384",
  "PS512",
  "ES256",
  "ES384",
  "ES512",
  "EdDSA",
  "Ed25519",
] as const;
/** Only with the `jwt` provider's `secret`. */
const HMAC_ALGORITHMS = ["HS256", "HS384", "HS512"] as const;

export type Algorithm = (typeof ASYMMETRIC_ALGORITHMS)[number] | (typeof HMAC_ALGORITHMS)[number];

/** The allow-list when `algorithms` is not set and the keys are public keys. */
const DEFAULT_ALGORITHMS: Algorithm[] = ["RS256", "ES256", "PS256"];
/** The allow-list when `algorithms` is not set and the key is a shared secret. */
const DEFAULT_HMAC_ALGORITHMS: Algorithm[] = ["HS256"];

const isHmac = (alg: string): boolean => (HMAC_ALGORITHMS as readonly string[]).includes(alg);

const httpUrl = z
  .url({ protocol: /^https?$/, hostname: z.regexes.hostname, error: "expected an http(s) URL" })
  .refine((value) => !/[?#]/.test(value), "expected a URL without query or fragment");

/** A JWK as configured: public keys only (a private `d` or a symmetric `oct` key is refused). */
const publicJwk = z
  .looseObject({ kty: z.string().min(1) })
  .refine((jwk) => !("d" in jwk), 'expected a public key (it has a private "d")')
  .refine((jwk) => jwk.kty !== "oct", 'symmetric (oct) keys belong in "secret"');

const milliseconds = z.number().int().positive().max(60_000);

/**
 * The options of `@buntime/authn` (docs/extensions.md#buntimeauthn). The schema checks each field and the
 * combinations the provider needs, naming the field; its output fills in the issuer of a
 * Keycloak realm and the default algorithm allow-list.
 */
export const authnOptionsSchema = z
  .object({
    /** `keycloak` (`url` + `realm`, or `issuer`), `oidc` (discovery from `issuer`) or `jwt` (static keys). */
    provider: z.enum(["keycloak", "oidc", "jwt"]),
    /** The expected `iss`; for `keycloak`/`oidc` also where discovery starts. */
    issuer: httpUrl.optional(),
    /** Keycloak's base URL (with `realm`, instead of `issuer`). */
    url: httpUrl.optional(),
    /** The Keycloak realm (with `url`). */
    realm: z
      .string()
      .regex(/^[^/?#\s]+$/, "expected a realm name")
      .optional(),
    /** The expected `aud` (one of them). Unset: the audience is not checked. */
    audience: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).optional(),
    /** Whose Keycloak client roles (`resource_access.<clientId>.roles`) count as roles. */
    clientId: z.string().min(1).optional(),
    /** The signature algorithms accepted. Default RS256, ES256, PS256 (HS256 with `secret`). */
    algorithms: z
      .array(z.enum([...ASYMMETRIC_ALGORITHMS, ...HMAC_ALGORITHMS]))
      .min(1)
      .optional(),
    /** Seconds of clock skew allowed on `exp`, `nbf` and `iat`. */
    clockTolerance: z.number().int().min(0).max(300).default(30),
    /** Paths that need no token: globs, `*` within a segment, `**` across segments. */
    excludePaths: z.array(z.string().startsWith("/", "expected a path starting with /")).default([]),
    /** Anonymous requests pass (with no identity); a present but invalid token is still refused. */
    optional: z.boolean().default(false),
    /** `jwt`: a static JSON Web Key Set. */
    jwks: z.object({ keys: z.array(publicJwk).min(1) }).optional(),
    /** `jwt`: one public key, SPKI PEM or JWK. */
    publicKey: z
      .union([z.string().includes("-----BEGIN PUBLIC KEY-----", "expected an SPKI PEM public key"), publicJwk])
      .optional(),
    /** `jwt`: an HMAC secret (at least 32 characters). */
    secret: z.string().min(32).optional(),
    /** How long discovery may take. */
    discoveryTimeoutMs: milliseconds.default(5000),
    /** How long fetching the JWKS may take. */
    jwksTimeoutMs: milliseconds.default(5000),
  })
  .strict()
  .superRefine((o, ctx) => {
    const issue = (path: string, message: string) => ctx.addIssue({ code: "custom", path: [path], message });
    if (o.provider !== "keycloak") {
      if (o.url !== undefined) issue("url", `only with provider "keycloak"`);
      if (o.realm !== undefined) issue("realm", `only with provider "keycloak"`);
    }
    if (o.provider !== "jwt") {
      for (const field of ["jwks", "publicKey", "secret"] as const) {
        if (o[field] !== undefined) issue(field, `only with provider "jwt"`);
      }
    }
    if (o.provider === "keycloak") {
      const viaRealm = o.url !== undefined || o.realm !== undefined;
      if (viaRealm && o.issuer !== undefined) issue("issuer", `give either "issuer" or "url" and "realm"`);
      else if (viaRealm && o.url === undefined) issue("url", `required with "realm"`);
      else if (viaRealm && o.realm === undefined) issue("realm", `required with "url"`);
      else if (!viaRealm && o.issuer === undefined) issue("issuer", `required (or "url" and "realm")`);
    }
    if (o.provider === "oidc" && o.issuer === undefined) issue("issuer", `required with provider "oidc"`);
    if (o.provider === "jwt") {
      const keys = [o.jwks, o.publicKey, o.secret].filter((k) => k !== undefined).length;
      if (keys !== 1) issue("jwks", `provider "jwt" needs exactly one of "jwks", "publicKey", "secret"`);
    }
    // A secret verifies only HMAC, and HMAC is verified only with the secret: no key confusion.
    const hmac = (o.algorithms ?? []).filter(isHmac);
    if (o.secret !== undefined && hmac.length !== (o.algorithms ?? hmac).length) {
      issue("algorithms", 'with "secret" only HS256, HS384, HS512');
    }
    if (o.secret === undefined && hmac.length > 0) issue("algorithms", `${hmac.join(", ")} only with "secret"`);
  })
  .transform(({ url, realm, ...o }) => ({
    ...o,
    issuer:
      o.issuer ?? (url !== undefined && realm !== undefined ? `${url.replace(/\/+$/, "")}/realms/${realm}` : undefined),
    algorithms: o.algorithms ?? (o.secret !== undefined ? DEFAULT_HMAC_ALGORITHMS : DEFAULT_ALGORITHMS),
  }));

/** Validated options: `issuer` is set for `keycloak`/`oidc`; `algorithms` is the allow-list. */
export type AuthnOptions = z.output<typeof authnOptionsSchema>;
