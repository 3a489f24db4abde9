/**
 * Test helpers for the authn unit tests: a realm signing key and a provider on a free port of
 * 127.0.0.1. Not imported by the runtime.
 */
import { exportJWK, generateKeyPair, type JWK } from "jose";

/** An RS256 key pair and its public JWK, as a provider publishes it (`kid` k1 by default). */
export async function signingKey(kid = "k1"): Promise<{ privateKey: CryptoKey; publicKey: CryptoKey; jwk: JWK }> {
  const { privateKey, publicKey } = await generateKeyPair("RS256", { extractable: true });
  return { privateKey, publicKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: "RS256" } };
}

/** A local HTTP server answering with `fetch`; stop it in `afterAll`. */
export function serveLocally(fetch: (request: Request) => Response | Promise<Response>): ReturnType<typeof Bun.serve> {
  return Bun.serve({ port: 0, hostname: "127.0.0.1", fetch });
}
