import { formatIssues } from "@buntime/sdk";
import { z } from "zod";

/** The provider's public endpoints, as `/_/authn/well-known` shows them. */
export interface ProviderEndpoints {
  issuer: string;
  jwks_uri: string;
  token_endpoint: string | undefined;
  authorization_endpoint: string | undefined;
}

const httpUrl = z.url({ protocol: /^https?$/ });

/** The fields of an OpenID Provider Metadata document the plugin relies on. */
const metadataSchema = z.looseObject({
  issuer: z.string().min(1),
  jwks_uri: httpUrl,
  token_endpoint: httpUrl.optional(),
  authorization_endpoint: httpUrl.optional(),
});

/**
 * Discovery failed. `permanent` when the provider answered with a document that cannot be
 * right (a different issuer, no `jwks_uri`): a configuration error, not an outage.
 */
export class DiscoveryError extends Error {
  override readonly name = "DiscoveryError";
  readonly permanent: boolean;

  constructor(message: string, permanent: boolean, options?: { cause?: unknown }) {
    super(message, options);
    this.permanent = permanent;
  }
}

/** `<issuer>/.well-known/openid-configuration`, per OpenID Connect Discovery §4 (no double slash). */
export function discoveryUrl(issuer: string): string {
  return `${issuer.replace(/\/+$/, "")}/.well-known/openid-configuration`;
}

/**
 * Fetches the provider's metadata through `globalThis.fetch` (so tests can intercept it) and
 * checks that the issuer it names is exactly the configured one (Discovery §4.3), which stops a
 * look-alike document from pointing verification at someone else's keys.
 * @throws DiscoveryError; `permanent` false for network errors, timeouts, non-200 and non-JSON answers
 *
 * @example
 * const endpoints = await discover("https://sso.example.com/realms/acme", 5000);
 * endpoints.jwks_uri; // "https://sso.example.com/realms/acme/protocol/openid-connect/certs"
 */
export async function discover(issuer: string, timeoutMs: number): Promise<ProviderEndpoints> {
  const url = discoveryUrl(issuer);
  let body: unknown;
  try {
    const response = await globalThis.fetch(url, {
      headers: { accept: "application/json" },
      redirect: "manual",
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (response.status !== 200) {
      await response.body?.cancel();
      throw new DiscoveryError(`${url} answered ${response.status}`, false);
    }
    body = await response.json();
  } catch (error) {
    if (error instanceof DiscoveryError) throw error;
    throw new DiscoveryError(`${url}: ${(error as Error).message}`, false, { cause: error });
  }
  const result = metadataSchema.safeParse(body);
  if (!result.success) {
    throw new DiscoveryError(`${url}: invalid provider metadata: ${formatIssues(result.error, "(document)")}`, true);
  }
  const metadata = result.data;
  if (metadata.issuer !== issuer) {
    throw new DiscoveryError(`${url}: the provider's issuer ${metadata.issuer} is not the configured ${issuer}`, true);
  }
  return {
    issuer: metadata.issuer,
    jwks_uri: metadata.jwks_uri,
    token_endpoint: metadata.token_endpoint,
    authorization_endpoint: metadata.authorization_endpoint,
  };
}
