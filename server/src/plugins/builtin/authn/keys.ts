import { createPublicKey, type webcrypto } from "node:crypto";
import {
  type CryptoKey,
  createLocalJWKSet,
  createRemoteJWKSet,
  customFetch,
  errors,
  importJWK,
  importSPKI,
  type JSONWebKeySet,
  type JWK,
  type JWTVerifyGetKey,
} from "jose";
import { AuthnFailure } from "./failure.ts";

/** Finds the key that verifies a token, from its protected header (`alg`, `kid`). */
export type KeyResolver = JWTVerifyGetKey;

/** A resolver of a provider's JWKS URL, with a way to warm its cache. */
export interface RemoteKeys {
  resolve: KeyResolver;
  /** Fetches the set now (at start, so the first request does not wait). */
  prefetch(): Promise<void>;
}

/**
 * The keys of a provider's JWKS endpoint, through jose's `createRemoteJWKSet`: the set is cached,
 * re-fetched after 10 minutes, and re-fetched early for an unknown `kid` (at most every 30 s).
 *
 * When fetching fails (outage, timeout, a 500) the last good set still verifies the keys it
 * holds; a token whose key is not cached then fails `unavailable` (503), never passes.
 * `cache` overrides jose's 10 min / 30 s (tests use it to force a re-fetch).
 *
 * @example
 * const keys = remoteKeys("https://sso.example.com/realms/acme/protocol/openid-connect/certs", 5000);
 * await jwtVerify(token, keys.resolve, { algorithms: ["RS256"] });
 */
export function remoteKeys(
  jwksUri: string,
  timeoutMs: number,
  cache: { maxAgeMs?: number; cooldownMs?: number } = {},
): RemoteKeys {
  const remote = createRemoteJWKSet(new URL(jwksUri), {
    timeoutDuration: timeoutMs,
    cacheMaxAge: cache.maxAgeMs,
    cooldownDuration: cache.cooldownMs,
    // Looked up per call, so that a test's msw (which patches globalThis.fetch) sees it.
    [customFetch]: (url, init) => globalThis.fetch(url, init),
  });
  const resolve: KeyResolver = async (header, token) => {
    try {
      return await remote(header, token);
    } catch (error) {
      // The token's own fault: the set was fetched and holds no (or no single) key for it.
      if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) throw error;
      const cached = remote.jwks();
      if (cached) {
        try {
          return await createLocalJWKSet(cached)(header, token);
        } catch {
          // Not among the cached keys either: fall through to "unavailable".
        }
      }
      throw new AuthnFailure("unavailable", { cause: error });
    }
  };
  return { resolve, prefetch: () => remote.reload() };
}

/** The `jwt` provider's keys: exactly one of a static set, one public key, or a secret. */
export type StaticKeyOptions = { jwks: { keys: JWK[] } } | { publicKey: string | JWK } | { secret: string };

/**
 * A resolver for keys given in the config. A public key is imported once per algorithm the
 * tokens use (jose binds a CryptoKey to one algorithm); one that does not fit the token's
 * algorithm fails as `algorithm`.
 *
 * @example
 * const resolve = staticKeys({ publicKey: "-----BEGIN PUBLIC KEY-----\n…" });
 */
export function staticKeys(options: StaticKeyOptions): KeyResolver {
  if ("secret" in options) {
    const secret = new TextEncoder().encode(options.secret);
    return () => secret;
  }
  if ("jwks" in options) {
    for (const [i, jwk] of options.jwks.keys.entries()) assertPublicKey(jwk, `jwks.keys.${i}`);
    return createLocalJWKSet(options.jwks as JSONWebKeySet);
  }
  const { publicKey } = options;
  assertPublicKey(publicKey, "publicKey");
  const imported = new Map<string, Promise<CryptoKey>>();
  const importFor = (alg: string): Promise<CryptoKey> =>
    typeof publicKey === "string" ? importSPKI(publicKey, alg) : (importJWK(publicKey, alg) as Promise<CryptoKey>);
  return async (header) => {
    // A JWK that names its algorithm verifies only that one.
    if (typeof publicKey !== "string" && publicKey.alg !== undefined && publicKey.alg !== header.alg) {
      throw new AuthnFailure("algorithm");
    }
    let key = imported.get(header.alg);
    if (!key) {
      key = importFor(header.alg);
      imported.set(header.alg, key);
    }
    try {
      return await key;
    } catch (error) {
      throw new AuthnFailure("algorithm", { cause: error });
    }
  };
}

/** Fails at start, naming the field, on a configured key that cannot be read at all. */
function assertPublicKey(key: string | JWK, field: string): void {
  try {
    createPublicKey(typeof key === "string" ? key : { key: key as webcrypto.JsonWebKey, format: "jwk" });
  } catch (error) {
    throw new Error(`${field}: not a readable public key (${(error as Error).message})`);
  }
}
