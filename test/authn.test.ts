/**
 * `@buntime/authn` end to end: the real server, a real OpenID provider (oidc-provider shaped like
 * a Keycloak realm, test/support/oidc.ts) for tokens and attacks, and msw for the provider's
 * failure modes.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { base64url, decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair, type JWK, SignJWT } from "jose";
import { delay, HttpResponse, http } from "msw";
import { setupServer } from "msw/node";
import { normaliseConfig } from "../server/src/config/buntime-config.ts";
import { loadEnv } from "../server/src/constants.ts";
import type { Identity } from "../server/src/plugins/builtin/identity.ts";
import { PluginLoadError } from "../server/src/plugins/load.ts";
import { type RunningServer, startServer } from "../server/src/server.ts";
import { silentLogger } from "../server/src/util/log.ts";
import { FIXTURE_APPS, ROOT } from "./_setup.ts";
import { type OidcProvider, startOidcProvider } from "./support/oidc.ts";

const IDENTITY = "x-buntime-identity";

function serverWith(options: Record<string, unknown>, required = false): Promise<RunningServer> {
  return startServer({
    env: loadEnv({ APPS_DIR: FIXTURE_APPS, HOST: "127.0.0.1", PORT: "0" }),
    config: normaliseConfig(
      { required: required ? ["@buntime/authn"] : [], plugins: [["@buntime/authn", options]] },
      ROOT,
    ),
    logger: silentLogger,
  });
}

interface Echo {
  headers: Record<string, string>;
  body: string | null;
}
interface ErrorBody {
  error: { code: string; message: string };
}

/** The identity the app received, decoded as an app would. */
const identityOf = (echo: Echo): Identity | undefined => {
  const header = echo.headers[IDENTITY];
  return header === undefined ? undefined : (JSON.parse(Buffer.from(header, "base64url").toString()) as Identity);
};

const now = () => Math.floor(Date.now() / 1000);

/** Expects the contract's 401 with an `invalid_token` challenge. */
async function expectInvalidToken(res: Response): Promise<void> {
  expect(res.status).toBe(401);
  expect(res.headers.get("www-authenticate")).toContain('error="invalid_token"');
  expect(((await res.json()) as ErrorBody).error.code).toBe("UNAUTHENTICATED");
}

describe("with a Keycloak realm (a real OpenID provider)", () => {
  let idp: OidcProvider;
  let server: RunningServer;
  let token: string;
  const at = (path: string) => new URL(path, server.url);
  const get = (path: string, headers: Record<string, string> = {}) => fetch(at(path), { headers });
  const withToken = (path: string, jwt = token, headers: Record<string, string> = {}) =>
    get(path, { authorization: `Bearer ${jwt}`, ...headers });

  beforeAll(async () => {
    idp = await startOidcProvider();
    server = await serverWith({
      provider: "keycloak",
      url: idp.issuer.replace(/\/realms\/test$/, ""),
      realm: "test",
      audience: idp.audience,
      clientId: "buntime-app",
      excludePaths: ["/hello/**"],
    });
    token = await idp.token();
  });
  afterAll(async () => {
    await server?.stop();
    await idp?.stop();
  });

  test("the provider issues RS256 JWT access tokens with Keycloak's role claims", () => {
    expect(decodeProtectedHeader(token)).toMatchObject({ alg: "RS256", kid: idp.kid });
    expect(decodeJwt(token)).toMatchObject({
      iss: idp.issuer,
      aud: "buntime",
      realm_access: { roles: ["user"] },
      resource_access: { "buntime-app": { roles: ["reader"] } },
    });
  });

  test("no token: 401 UNAUTHENTICATED with a bare Bearer challenge", async () => {
    const res = await get("/echo/");
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toBe('Bearer realm="buntime"');
    expect(((await res.json()) as ErrorBody).error.code).toBe("UNAUTHENTICATED");
  });

  test("a valid token reaches the app with the verified identity", async () => {
    const res = await withToken("/echo/who");
    expect(res.status).toBe(200);
    const identity = identityOf((await res.json()) as Echo);
    expect(identity).toMatchObject({
      sub: "buntime-app",
      username: "service-account-buntime-app",
      roles: ["user", "reader"],
    });
    expect(identity?.claims).toMatchObject({ iss: idp.issuer, client_id: "buntime-app" });
  });

  test("a forged x-buntime-identity never reaches the app", async () => {
    const forged = Buffer.from(JSON.stringify({ sub: "admin", roles: ["admin"], claims: {} })).toString("base64url");
    const withValid = identityOf((await (await withToken("/echo/", token, { [IDENTITY]: forged })).json()) as Echo);
    expect(withValid?.sub).toBe("buntime-app");
    expect(withValid?.roles).not.toContain("admin");
    expect((await get("/echo/", { [IDENTITY]: forged })).status).toBe(401);
    expect((await withToken("/echo/", "garbage", { [IDENTITY]: forged })).status).toBe(401);
  });

  test("a forged identity is stripped on excluded paths too (seen by the echo app)", async () => {
    const server2 = await serverWith({ provider: "keycloak", issuer: idp.issuer, excludePaths: ["/echo/open/**"] });
    try {
      const res = await fetch(new URL("/echo/open/x", server2.url), {
        headers: { [IDENTITY]: "eyJzdWIiOiJhZG1pbiJ9" },
      });
      expect(res.status).toBe(200);
      expect(((await res.json()) as Echo).headers[IDENTITY]).toBeUndefined();
    } finally {
      await server2.stop();
    }
  });

  test("a request body passes through unchanged with the identity", async () => {
    const res = await fetch(at("/echo/upload"), {
      method: "POST",
      headers: { authorization: `Bearer ${token}` },
      body: "hello body",
    });
    const echo = (await res.json()) as Echo;
    expect(echo.body).toBe("hello body");
    expect(identityOf(echo)?.sub).toBe("buntime-app");
  });

  test("excludePaths need no token; GET /_/health neither; other routes do", async () => {
    expect((await get("/hello/")).status).toBe(200);
    expect((await get("/hello/a/b")).status).toBe(200);
    expect((await get("/_/health")).status).toBe(200);
    expect((await fetch(at("/_/health"), { method: "POST" })).status).toBe(401);
    expect((await get("/_/metrics")).status).toBe(401);
    // A range after the name is the same app: the exemption of its paths holds (ctx.path).
    expect((await get("/hello@1/")).status).toBe(200);
    expect((await get("/echo/")).status).toBe(401);
    expect((await get("/echo@1/")).status).toBe(401);
  });

  test("/_/authn/well-known shows the provider's public endpoints, without a token", async () => {
    const res = await get("/_/authn/well-known");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      provider: "keycloak",
      issuer: idp.issuer,
      jwks_uri: `${idp.issuer}/protocol/openid-connect/certs`,
      token_endpoint: `${idp.issuer}/protocol/openid-connect/token`,
      authorization_endpoint: `${idp.issuer}/protocol/openid-connect/auth`,
    });
  });

  test("/_/authn/me answers the caller's identity; 401 without a token", async () => {
    // An admin route (docs/admin.md): the caller needs an admin role, viewer at least.
    const viewer = await idp.sign({ sub: "ana", realm_access: { roles: ["user", "viewer"] } });
    const res = await withToken("/_/authn/me", viewer);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ sub: "ana", roles: ["user", "viewer"] });
    expect((await get("/_/authn/me")).status).toBe(401);
    // The provider's own token holds no admin role: 403.
    expect((await withToken("/_/authn/me")).status).toBe(403);
  });

  describe("attacks: each is 401 invalid_token", () => {
    test("expired (beyond the 30 s tolerance)", async () => {
      await expectInvalidToken(await withToken("/echo/", await idp.sign({ iat: now() - 600, exp: now() - 60 })));
    });

    test("not yet valid", async () => {
      await expectInvalidToken(await withToken("/echo/", await idp.sign({ nbf: now() + 120 })));
    });

    test("wrong issuer", async () => {
      const other = idp.issuer.replace("/realms/test", "/realms/other");
      await expectInvalidToken(await withToken("/echo/", await idp.sign({ iss: other })));
    });

    test("wrong audience", async () => {
      await expectInvalidToken(await withToken("/echo/", await idp.sign({ aud: "someone-else" })));
    });

    test("alg: none", async () => {
      const encode = (value: object) => base64url.encode(JSON.stringify(value));
      const claims = { iss: idp.issuer, aud: idp.audience, sub: "admin", exp: now() + 300 };
      await expectInvalidToken(await withToken("/echo/", `${encode({ alg: "none", typ: "JWT" })}.${encode(claims)}.`));
    });

    test("HS256 signed with the realm's public key (key confusion)", async () => {
      const forged = await new SignJWT({ iss: idp.issuer, aud: idp.audience, sub: "admin" })
        .setProtectedHeader({ alg: "HS256", kid: idp.kid })
        .setExpirationTime("5m")
        .sign(new TextEncoder().encode(idp.publicKeyPem));
      await expectInvalidToken(await withToken("/echo/", forged));
    });

    test("unknown kid (a key the realm never published); the JWKS is not re-fetched for each", async () => {
      const stranger = await generateKeyPair("RS256");
      const forged = await new SignJWT({ iss: idp.issuer, aud: idp.audience, sub: "admin" })
        .setProtectedHeader({ alg: "RS256", kid: "not-the-realms" })
        .setExpirationTime("5m")
        .sign(stranger.privateKey);
      const before = idp.jwksFetches;
      for (let i = 0; i < 3; i++) await expectInvalidToken(await withToken("/echo/", forged));
      // jose re-fetches for an unknown kid at most once per 30 s cooldown.
      expect(idp.jwksFetches - before).toBeLessThanOrEqual(1);
    });

    test("tampered payload (a real token with roles added)", async () => {
      const [header, , signature] = token.split(".");
      const claims = decodeJwt(token) as { realm_access: { roles: string[] } };
      claims.realm_access.roles.push("admin");
      await expectInvalidToken(
        await withToken("/echo/", `${header}.${base64url.encode(JSON.stringify(claims))}.${signature}`),
      );
    });

    test("malformed tokens", async () => {
      for (const jwt of ["not-a-jwt", "a.b.c", "eyJhbGciOiJSUzI1NiJ9..", "<script>"]) {
        await expectInvalidToken(await withToken("/echo/", jwt));
      }
    });

    test("over 16 KB, refused before any crypto", async () => {
      const huge = await idp.sign({ padding: "x".repeat(17 * 1024) });
      // Through the same pipeline in-process: over the socket, Bun's own 16 KB header limit
      // answers 431 before any plugin runs.
      await expectInvalidToken(
        await server.fetch(new Request(at("/echo/"), { headers: { authorization: `Bearer ${huge}` } })),
      );
      expect([401, 431]).toContain((await withToken("/echo/", huge)).status);
    });
  });
});

describe("optional: anonymous requests pass", () => {
  let idp: OidcProvider;
  let server: RunningServer;
  const at = (path: string) => new URL(path, server.url);

  beforeAll(async () => {
    idp = await startOidcProvider();
    server = await serverWith({ provider: "oidc", issuer: idp.issuer, audience: idp.audience, optional: true });
  });
  afterAll(async () => {
    await server?.stop();
    await idp?.stop();
  });

  test("no token: passes with no identity header (a forged one removed)", async () => {
    const res = await fetch(at("/echo/"), { headers: { [IDENTITY]: "eyJzdWIiOiJhZG1pbiJ9" } });
    expect(res.status).toBe(200);
    expect(((await res.json()) as Echo).headers[IDENTITY]).toBeUndefined();
  });

  test("a valid token still brings its identity", async () => {
    const res = await fetch(at("/echo/"), { headers: { authorization: `Bearer ${await idp.token()}` } });
    expect(identityOf((await res.json()) as Echo)?.sub).toBe("buntime-app");
  });

  test("a present but invalid token is still 401", async () => {
    const expired = await idp.sign({ exp: now() - 3600 });
    await expectInvalidToken(await fetch(at("/echo/"), { headers: { authorization: `Bearer ${expired}` } }));
  });

  test("/_/authn/me is 401 without a token", async () => {
    expect((await fetch(at("/_/authn/me"))).status).toBe(401);
  });
});

describe("provider failure modes (msw)", () => {
  // msw answers these in-process: nothing leaves the machine.
  const ISSUER = "http://127.0.0.1:9/realms/msw";
  const DISCOVERY = `${ISSUER}/.well-known/openid-configuration`;
  const JWKS = `${ISSUER}/protocol/openid-connect/certs`;
  const metadata = { issuer: ISSUER, jwks_uri: JWKS, token_endpoint: `${ISSUER}/protocol/openid-connect/token` };
  const mswServer = setupServer();
  let privateKey: CryptoKey;
  let jwk: JWK;

  beforeAll(async () => {
    mswServer.listen({ onUnhandledRequest: "bypass" });
    const pair = await generateKeyPair("RS256", { extractable: true });
    privateKey = pair.privateKey;
    jwk = { ...(await exportJWK(pair.publicKey)), kid: "msw-key", alg: "RS256" };
  });
  afterEach(() => mswServer.resetHandlers());
  afterAll(() => mswServer.close());

  const signed = () =>
    new SignJWT({ iss: ISSUER, sub: "u1" })
      .setProtectedHeader({ alg: "RS256", kid: "msw-key" })
      .setExpirationTime("5m")
      .sign(privateKey);

  /** A server for the msw issuer; each test gets a fresh one (no cached discovery or keys). */
  async function request(server: RunningServer): Promise<Response> {
    return server.fetch(
      new Request(new URL("/echo/", server.url), { headers: { authorization: `Bearer ${await signed()}` } }),
    );
  }

  async function expectUnavailable(res: Response): Promise<void> {
    expect(res.status).toBe(503);
    expect(((await res.json()) as ErrorBody).error.code).toBe("AUTH_PROVIDER_UNAVAILABLE");
  }

  test("JWKS answers 500: 503 AUTH_PROVIDER_UNAVAILABLE, never 200", async () => {
    mswServer.use(
      http.get(DISCOVERY, () => HttpResponse.json(metadata)),
      http.get(JWKS, () => new HttpResponse("boom", { status: 500 })),
    );
    const server = await serverWith({ provider: "keycloak", issuer: ISSUER });
    try {
      await expectUnavailable(await request(server));
      await expectUnavailable(await request(server));
    } finally {
      await server.stop();
    }
  });

  test("JWKS times out: 503 within jwksTimeoutMs", async () => {
    mswServer.use(
      http.get(DISCOVERY, () => HttpResponse.json(metadata)),
      http.get(JWKS, async () => {
        await delay("infinite");
        return HttpResponse.json({ keys: [jwk] });
      }),
    );
    const server = await serverWith({ provider: "keycloak", issuer: ISSUER, jwksTimeoutMs: 150 });
    try {
      const started = performance.now();
      await expectUnavailable(await request(server));
      expect(performance.now() - started).toBeLessThan(2000);
    } finally {
      await server.stop();
    }
  });

  test("discovery down at start: the server starts, answers 503, and recovers without a restart", async () => {
    mswServer.use(http.get(DISCOVERY, () => HttpResponse.error()));
    const server = await serverWith({ provider: "oidc", issuer: ISSUER }, true);
    try {
      await expectUnavailable(await request(server));
      await expectUnavailable(await server.fetch(new Request(new URL("/_/authn/well-known", server.url))));
      mswServer.use(
        http.get(DISCOVERY, () => HttpResponse.json(metadata)),
        http.get(JWKS, () => HttpResponse.json({ keys: [jwk] })),
      );
      const res = await request(server);
      expect(res.status).toBe(200);
      expect(identityOf((await res.json()) as Echo)?.sub).toBe("u1");
    } finally {
      await server.stop();
    }
  });

  test("keys cached, then the provider goes down: known keys still verify", async () => {
    mswServer.use(
      http.get(DISCOVERY, () => HttpResponse.json(metadata)),
      http.get(JWKS, () => HttpResponse.json({ keys: [jwk] })),
    );
    const server = await serverWith({ provider: "oidc", issuer: ISSUER });
    try {
      expect((await request(server)).status).toBe(200);
      mswServer.use(
        http.get(DISCOVERY, () => HttpResponse.error()),
        http.get(JWKS, () => HttpResponse.error()),
      );
      expect((await request(server)).status).toBe(200);
    } finally {
      await server.stop();
    }
  });

  test("a required plugin whose provider names another issuer stops the start", async () => {
    mswServer.use(
      http.get(DISCOVERY, () => HttpResponse.json({ ...metadata, issuer: "http://127.0.0.1:9/realms/evil" })),
    );
    const error = await serverWith({ provider: "oidc", issuer: ISSUER }, true).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PluginLoadError);
    expect((error as Error).message).toContain("@buntime/authn");
  });

  test("a required plugin with an invalid issuer URL stops the start, naming the field", async () => {
    const error = await serverWith({ provider: "oidc", issuer: "not a url" }, true).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PluginLoadError);
    expect((error as Error).message).toContain("@buntime/authn");
    expect((error as Error).message).toContain("issuer");
  });
});
