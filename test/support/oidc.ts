/**
 * A real OpenID provider for tests: `oidc-provider` on a free port of 127.0.0.1, shaped like a
 * Keycloak realm (issuer `…/realms/test`, Keycloak's endpoint paths, realm and client roles in
 * `realm_access` / `resource_access`). Access tokens come from the client_credentials grant and are
 * RS256 JWTs (a resource indicator with `accessTokenFormat: "jwt"`).
 *
 * It runs in the test's own process: oidc-provider (Koa on node:http) works under Bun.
 *
 * @example
 * const idp = await startOidcProvider();
 * afterAll(() => idp.stop());
 * const token = await idp.token();                    // a real access token
 * const forged = await idp.sign({ exp: 1 });          // signed with the realm's key, claims as given
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, exportSPKI, generateKeyPair, type JWK, type JWTPayload, SignJWT } from "jose";
// @ts-expect-error oidc-provider publishes no type declarations; the little used here is typed below.
import ProviderModule from "oidc-provider";

/** The part of oidc-provider's `Provider` these tests use. */
interface OidcProviderInstance {
  callback(): (req: IncomingMessage, res: ServerResponse) => void;
  on(event: "server_error", listener: (ctx: unknown, error: Error) => void): void;
}
const Provider = ProviderModule as new (issuer: string, configuration: Record<string, unknown>) => OidcProviderInstance;

/** A client of the test realm and the roles its service account holds. */
export interface TestClient {
  secret: string;
  realmRoles: string[];
  /** Roles per client id, as Keycloak puts them in `resource_access`. */
  clientRoles: Record<string, string[]>;
  /** `preferred_username` of the service account. */
  username?: string;
}

export interface OidcProviderOptions {
  /** Default: one client, `buntime-app`, with realm role `user` and client role `reader`. */
  clients?: Record<string, TestClient>;
  /** The `aud` of issued access tokens. Default `buntime`. */
  audience?: string;
  /** Access token lifetime in seconds. Default 300. */
  accessTokenTtl?: number;
}

export interface OidcProvider {
  /** `http://127.0.0.1:<port>/realms/test`. */
  issuer: string;
  /** The `aud` of the tokens it issues. */
  audience: string;
  /** The realm's signing key id. */
  kid: string;
  /** The realm's public key, SPKI PEM (for key-confusion attacks). */
  publicKeyPem: string;
  /** The realm's public key as a JWK. */
  publicJwk: JWK;
  /** A real access token from the token endpoint (client_credentials). Default client `buntime-app`. */
  token(clientId?: string): Promise<string>;
  /**
   * A JWT signed with the realm's own key: `iss`, `aud`, `sub`, `iat`, `exp` default to valid values
   * and `claims` override them (an `undefined` value removes the claim).
   */
  sign(claims?: Record<string, unknown>, header?: { kid?: string }): Promise<string>;
  /** How many times the JWKS endpoint was fetched. */
  readonly jwksFetches: number;
  stop(): Promise<void>;
}

const REALM_PATH = "/realms/test";
const KID = "realm-test-rs256";
const RESOURCE = "urn:buntime:api";

const DEFAULT_CLIENTS: Record<string, TestClient> = {
  "buntime-app": {
    secret: "buntime-app-secret",
    realmRoles: ["user"],
    clientRoles: { "buntime-app": ["reader"], account: ["view-profile"] },
    username: "service-account-buntime-app",
  },
};

/** Starts the provider; `stop()` closes it. */
export async function startOidcProvider(options: OidcProviderOptions = {}): Promise<OidcProvider> {
  const clients = options.clients ?? DEFAULT_CLIENTS;
  const audience = options.audience ?? "buntime";
  const ttl = options.accessTokenTtl ?? 300;
  const { privateKey, publicKey } = await generateKeyPair("RS256", { extractable: true });
  const privateJwk = { ...(await exportJWK(privateKey)), kid: KID, alg: "RS256", use: "sig" };
  const publicJwk = { ...(await exportJWK(publicKey)), kid: KID, alg: "RS256", use: "sig" };

  let handler: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
  let jwksFetches = 0;
  const http = createServer((req, res) => {
    const url = req.url ?? "/";
    if (!handler || !url.startsWith(REALM_PATH)) {
      res.writeHead(404).end();
      return;
    }
    if (url.startsWith(`${REALM_PATH}/protocol/openid-connect/certs`)) jwksFetches++;
    // oidc-provider finds its mount path from `originalUrl` minus `url`, as under Express.
    Object.assign(req, { originalUrl: url, url: url.slice(REALM_PATH.length) || "/" });
    handler(req, res);
  });
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  const port = (http.address() as AddressInfo).port;
  const issuer = `http://127.0.0.1:${port}${REALM_PATH}`;

  const provider = new Provider(issuer, {
    jwks: { keys: [privateJwk] },
    clients: Object.entries(clients).map(([client_id, client]) => ({
      client_id,
      client_secret: client.secret,
      grant_types: ["client_credentials"],
      response_types: [],
      redirect_uris: [],
    })),
    routes: {
      authorization: "/protocol/openid-connect/auth",
      jwks: "/protocol/openid-connect/certs",
      token: "/protocol/openid-connect/token",
      userinfo: "/protocol/openid-connect/userinfo",
      introspection: "/protocol/openid-connect/token/introspect",
      revocation: "/protocol/openid-connect/revoke",
      end_session: "/protocol/openid-connect/logout",
    },
    ttl: { ClientCredentials: ttl },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      introspection: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => RESOURCE,
        useGrantedResource: () => true,
        getResourceServerInfo: () => ({
          scope: "api",
          audience,
          accessTokenTTL: ttl,
          accessTokenFormat: "jwt",
          jwt: { sign: { alg: "RS256" } },
        }),
      },
    },
    extraTokenClaims(_ctx: unknown, token: { clientId?: string }) {
      const client = clients[token.clientId ?? ""];
      if (!client) return undefined;
      return {
        preferred_username: client.username,
        realm_access: { roles: client.realmRoles },
        resource_access: Object.fromEntries(Object.entries(client.clientRoles).map(([id, roles]) => [id, { roles }])),
      };
    },
  });
  provider.on("server_error", (_ctx, error) => console.error("oidc-provider:", error));
  handler = provider.callback();

  const tokenEndpoint = `${issuer}/protocol/openid-connect/token`;
  return {
    issuer,
    audience,
    kid: KID,
    publicKeyPem: await exportSPKI(publicKey),
    publicJwk,
    get jwksFetches() {
      return jwksFetches;
    },
    async token(clientId = Object.keys(clients)[0] ?? "") {
      const client = clients[clientId];
      if (!client) throw new Error(`no test client ${clientId}`);
      const res = await fetch(tokenEndpoint, {
        method: "POST",
        headers: {
          authorization: `Basic ${btoa(`${clientId}:${client.secret}`)}`,
          "content-type": "application/x-www-form-urlencoded",
        },
        body: new URLSearchParams({ grant_type: "client_credentials", scope: "api" }),
      });
      const body = (await res.json()) as { access_token?: string };
      if (!res.ok || !body.access_token) throw new Error(`token endpoint: ${res.status} ${JSON.stringify(body)}`);
      return body.access_token;
    },
    async sign(claims = {}, header = {}) {
      const now = Math.floor(Date.now() / 1000);
      const payload: JWTPayload = { iss: issuer, aud: audience, sub: "forged-subject", iat: now, exp: now + 300 };
      for (const [name, value] of Object.entries(claims)) {
        if (value === undefined) delete payload[name];
        else payload[name] = value;
      }
      return new SignJWT(payload)
        .setProtectedHeader({ alg: "RS256", typ: "JWT", kid: header.kid ?? KID })
        .sign(privateKey);
    },
    async stop() {
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
