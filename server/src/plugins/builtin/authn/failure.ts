import { BuntimeError, errorResponse } from "../../../errors.ts";

/** Why a request was not authenticated. `missing` and `unavailable` are not the token's fault. */
export type FailureReason =
  | "missing"
  | "malformed"
  | "too_large"
  | "expired"
  | "not_yet_valid"
  | "issuer"
  | "audience"
  | "algorithm"
  | "unknown_key"
  | "signature"
  | "claims"
  | "unavailable";

const DESCRIPTIONS: Record<FailureReason, string> = {
  missing: "a bearer token is required",
  malformed: "the token is malformed",
  too_large: "the token is too large",
  expired: "the token has expired",
  not_yet_valid: "the token is not yet valid",
  issuer: "the token has the wrong issuer",
  audience: "the token has the wrong audience",
  algorithm: "the token's algorithm is not allowed",
  unknown_key: "the token's signing key is unknown",
  signature: "the token's signature is invalid",
  claims: "the token's claims are invalid",
  unavailable: "the identity provider is unavailable",
};

/**
 * A request that cannot be let through: the token is missing or invalid (401), or the provider
 * cannot be reached to check it (503). Never a pass.
 */
export class AuthnFailure extends Error {
  override readonly name = "AuthnFailure";
  readonly reason: FailureReason;

  constructor(reason: FailureReason, options?: { cause?: unknown }) {
    super(DESCRIPTIONS[reason], options);
    this.reason = reason;
  }
}

/** The realm named in `WWW-Authenticate` challenges. */
const REALM = "buntime";

/**
 * The contract's error for a failure: 401 `UNAUTHENTICATED` with a `WWW-Authenticate: Bearer`
 * challenge (RFC 6750 §3: no `error` when no token was sent, `invalid_token` otherwise), or
 * 503 `AUTH_PROVIDER_UNAVAILABLE`.
 */
export function failureResponse(failure: AuthnFailure): Response {
  if (failure.reason === "unavailable") {
    return errorResponse(new BuntimeError("AUTH_PROVIDER_UNAVAILABLE", failure.message));
  }
  const challenge =
    failure.reason === "missing"
      ? `Bearer realm="${REALM}"`
      : `Bearer realm="${REALM}", error="invalid_token", error_description="${failure.message}"`;
  return errorResponse(new BuntimeError("UNAUTHENTICATED", failure.message, { "www-authenticate": challenge }));
}
