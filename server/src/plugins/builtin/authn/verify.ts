import { errors, type JWTPayload, jwtVerify } from "jose";
import { MAX_TOKEN_BYTES } from "./bearer.ts";
import { AuthnFailure, type FailureReason } from "./failure.ts";
import type { KeyResolver } from "./keys.ts";
import type { Algorithm } from "./options.ts";

/** What a token must satisfy besides its signature. */
export interface TokenRules {
  /** The signature algorithms accepted (never `none`). */
  algorithms: Algorithm[];
  /** The exact `iss`, when known. */
  issuer: string | undefined;
  /** `aud` must hold one of these, when set. */
  audience: string | string[] | undefined;
  /** Seconds of skew allowed on `exp` and `nbf`. */
  clockTolerance: number;
}

/**
 * Verifies a compact JWS token with jose's `jwtVerify`: size first (no crypto on an oversized
 * token), then the algorithm allow-list (before any key is looked up, so an `HS256` token signed
 * with a public key never meets that key), the signature, and `iss`, `aud`, `exp`, `nbf`.
 * `exp` and `sub` are required: a token that never expires, or names no one, is refused.
 * @throws AuthnFailure with the reason; `unavailable` when the keys cannot be fetched
 *
 * @example
 * const claims = await verifyToken(token, keys.resolve, { algorithms: ["RS256"], issuer, audience: "api", clockTolerance: 30 });
 */
export async function verifyToken(token: string, keys: KeyResolver, rules: TokenRules): Promise<JWTPayload> {
  if (token.length > MAX_TOKEN_BYTES) throw new AuthnFailure("too_large");
  try {
    const { payload } = await jwtVerify(token, keys, {
      algorithms: rules.algorithms,
      issuer: rules.issuer,
      audience: rules.audience,
      clockTolerance: rules.clockTolerance,
      requiredClaims: ["exp", "sub"],
    });
    return payload;
  } catch (error) {
    if (error instanceof AuthnFailure) throw error;
    const reason = reasonOf(error);
    // Not a verdict on the token (a bug, a broken key in the provider's set): let the plugin
    // host fail closed with 500 rather than blame the client.
    if (!reason) throw error;
    throw new AuthnFailure(reason, { cause: error });
  }
}

/** jose's error classes, as the contract's reasons. */
function reasonOf(error: unknown): FailureReason | undefined {
  if (error instanceof errors.JWTExpired) return "expired";
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === "nbf") return "not_yet_valid";
    if (error.claim === "iss") return "issuer";
    if (error.claim === "aud") return "audience";
    return "claims";
  }
  if (error instanceof errors.JOSEAlgNotAllowed || error instanceof errors.JOSENotSupported) return "algorithm";
  if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) {
    return "unknown_key";
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) return "signature";
  if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid) return "malformed";
  return undefined;
}
