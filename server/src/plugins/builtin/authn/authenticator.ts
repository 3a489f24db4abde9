import type { PluginLogger } from "@buntime/sdk";
import { decodeProtectedHeader } from "jose";
import type { Identity } from "../identity.ts";
import { bearerToken } from "./bearer.ts";
import { identityFromClaims } from "./claims.ts";
import { DiscoveryError, discover, type ProviderEndpoints } from "./discovery.ts";
import { AuthnFailure } from "./failure.ts";
import { type KeyResolver, remoteKeys, type StaticKeyOptions, staticKeys } from "./keys.ts";
import type { AuthnOptions } from "./options.ts";
import { type TokenRules, verifyToken } from "./verify.ts";

/** What `/_/authn/well-known` answers: where clients get tokens and where the keys are. */
export interface WellKnown {
  provider: AuthnOptions["provider"];
  issuer: string | null;
  jwks_uri: string | null;
  token_endpoint: string | null;
  authorization_endpoint: string | null;
}

/** A provider whose endpoints and keys are known. */
interface Connected {
  endpoints: ProviderEndpoints | undefined;
  keys: KeyResolver;
  /** Fetches remote keys now. */
  prefetch(): Promise<void>;
}

/**
 * Turns requests into identities for one configured provider. `keycloak` and `oidc` learn their
 * endpoints by discovery: at start when the provider answers, else on the first request that
 * needs them (each such request answers 503 until discovery succeeds; concurrent ones share one
 * attempt). `jwt` has its keys from the config and never goes to the network.
 *
 * @example
 * const authn = new Authenticator(authnOptionsSchema.parse({ provider: "oidc", issuer }));
 * await authn.start(logger);
 * const identity = await authn.authenticate(request); // undefined: no token sent
 */
export class Authenticator {
  readonly #options: AuthnOptions;
  readonly #rules: TokenRules;
  /** `#rules.algorithms`, for the check every request makes before any key is looked up. */
  readonly #algorithms: ReadonlySet<string>;
  #connected: Connected | undefined;
  #connecting: Promise<Connected> | undefined;
  #logger: PluginLogger | undefined;

  /** @throws Error naming the field when a configured key cannot be read */
  constructor(options: AuthnOptions) {
    this.#options = options;
    this.#rules = {
      algorithms: options.algorithms,
      issuer: options.issuer,
      audience: options.audience,
      clockTolerance: options.clockTolerance,
    };
    this.#algorithms = new Set(options.algorithms);
    if (options.provider === "jwt") {
      const keys = staticKeys(staticKeyOptions(options));
      this.#connected = { endpoints: undefined, keys, prefetch: () => Promise.resolve() };
    }
  }

  /**
   * Discovers the provider and warms the key cache. An unreachable provider is not an error
   * here (requests retry); a provider that answers with the wrong issuer or no `jwks_uri` is.
   * @throws DiscoveryError when the provider's metadata contradicts the config
   */
  async start(logger: PluginLogger): Promise<void> {
    this.#logger = logger;
    try {
      const connected = await this.#connect();
      await connected.prefetch().catch((error: unknown) => {
        logger.warn("authn: could not fetch the provider's keys yet", { error: String(error) });
      });
    } catch (error) {
      if (error instanceof DiscoveryError && !error.permanent) {
        logger.warn("authn: provider unreachable at start; retrying on requests", { error: error.message });
        return;
      }
      throw error;
    }
  }

  /**
   * The identity of the request's bearer token; undefined when it sends none.
   * @throws AuthnFailure: the token is invalid (401), or the provider is unavailable (503)
   */
  async authenticate(request: Request): Promise<Identity | undefined> {
    const token = bearerToken(request.headers.get("authorization"));
    if (token === undefined) return undefined;
    // Cheap refusals first, so that garbage and `alg: none` never wait for the network.
    let alg: string | undefined;
    try {
      alg = decodeProtectedHeader(token).alg;
    } catch (error) {
      throw new AuthnFailure("malformed", { cause: error });
    }
    if (alg === undefined || !this.#algorithms.has(alg)) throw new AuthnFailure("algorithm");
    const { keys } = await this.#connectOrFail();
    const claims = await verifyToken(token, keys, this.#rules);
    return identityFromClaims(claims, this.#options.clientId);
  }

  /** @throws AuthnFailure `unavailable` while discovery fails */
  async wellKnown(): Promise<WellKnown> {
    const { endpoints } = await this.#connectOrFail();
    return {
      provider: this.#options.provider,
      issuer: endpoints?.issuer ?? this.#options.issuer ?? null,
      jwks_uri: endpoints?.jwks_uri ?? null,
      token_endpoint: endpoints?.token_endpoint ?? null,
      authorization_endpoint: endpoints?.authorization_endpoint ?? null,
    };
  }

  async #connectOrFail(): Promise<Connected> {
    try {
      return await this.#connect();
    } catch (error) {
      this.#logger?.warn("authn: provider unavailable", { error: (error as Error).message });
      throw new AuthnFailure("unavailable", { cause: error });
    }
  }

  #connect(): Promise<Connected> {
    if (this.#connected) return Promise.resolve(this.#connected);
    const issuer = this.#options.issuer;
    if (issuer === undefined) return Promise.reject(new Error("no issuer to discover"));
    this.#connecting ??= discover(issuer, this.#options.discoveryTimeoutMs)
      .then((endpoints) => {
        const keys = remoteKeys(endpoints.jwks_uri, this.#options.jwksTimeoutMs);
        this.#connected = { endpoints, keys: keys.resolve, prefetch: keys.prefetch };
        return this.#connected;
      })
      .finally(() => {
        this.#connecting = undefined;
      });
    return this.#connecting;
  }
}

function staticKeyOptions(options: AuthnOptions): StaticKeyOptions {
  if (options.secret !== undefined) return { secret: options.secret };
  if (options.publicKey !== undefined) return { publicKey: options.publicKey };
  if (options.jwks !== undefined) return { jwks: options.jwks };
  // The schema guarantees one of the three for the jwt provider.
  throw new Error('jwks: provider "jwt" needs jwks, publicKey or secret');
}
