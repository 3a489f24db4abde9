import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { PluginLogger } from "@buntime/sdk";
import { base64url, type JWK, SignJWT } from "jose";
import { serveLocally, signingKey } from "../../../../../test/support/authn-keys.ts";
import { Authenticator } from "./authenticator.ts";
import { DiscoveryError } from "./discovery.ts";
import { AuthnFailure } from "./failure.ts";
import { authnOptionsSchema } from "./options.ts";

const logger: PluginLogger = { debug() {}, info() {}, warn() {}, error() {} };

/** A provider at `/realms/test` whose discovery the tests switch between up, down and lying. */
let discovery: "up" | "down" | "impostor" = "up";
let discoveries = 0;
let jwk: JWK;
let privateKey: CryptoKey;
let server: ReturnType<typeof Bun.serve>;
let issuer: string;

beforeAll(async () => {
  ({ privateKey, jwk } = await signingKey());
  server = serveLocally((request) => {
    const path = new URL(request.url).pathname;
    if (path === "/realms/test/.well-known/openid-configuration") {
      discoveries++;
      if (discovery === "down") return new Response(null, { status: 503 });
      return Response.json({
        issuer: discovery === "impostor" ? "http://127.0.0.1:1/realms/test" : issuer,
        jwks_uri: `${issuer}/protocol/openid-connect/certs`,
        token_endpoint: `${issuer}/protocol/openid-connect/token`,
      });
    }
    if (path === "/realms/test/protocol/openid-connect/certs") return Response.json({ keys: [jwk] });
    return new Response(null, { status: 404 });
  });
  issuer = `http://127.0.0.1:${server.port}/realms/test`;
});
afterAll(() => server.stop(true));

const authenticator = (options: Record<string, unknown> = {}) =>
  new Authenticator(authnOptionsSchema.parse({ provider: "keycloak", issuer, clientId: "app", ...options }));

const bearer = (token: string) => new Request("http://x/", { headers: { authorization: `Bearer ${token}` } });

const token = () =>
  new SignJWT({
    iss: issuer,
    sub: "u1",
    preferred_username: "ana",
    realm_access: { roles: ["user"] },
    resource_access: { app: { roles: ["reader"] } },
  })
    .setProtectedHeader({ alg: "RS256", kid: "k1" })
    .setExpirationTime("5m")
    .sign(privateKey);

/** The failure's reason, or "passed". */
const outcome = (promise: Promise<unknown>) =>
  promise.then(
    () => "passed",
    (error: unknown) => (error instanceof AuthnFailure ? error.reason : `threw ${error}`),
  );

describe("Authenticator", () => {
  test("a Keycloak token becomes an identity with realm and client roles", async () => {
    discovery = "up";
    const authn = authenticator();
    await authn.start(logger);
    const identity = await authn.authenticate(bearer(await token()));
    expect(identity).toMatchObject({ sub: "u1", username: "ana", roles: ["user", "reader"] });
  });

  test("no token: no identity (the plugin decides whether that is allowed)", async () => {
    expect(await authenticator().authenticate(new Request("http://x/"))).toBeUndefined();
  });

  test("unreachable at start: starts anyway, 503 per request, then recovers without a restart", async () => {
    discovery = "down";
    const authn = authenticator();
    await authn.start(logger);
    expect(await outcome(authn.authenticate(bearer(await token())))).toBe("unavailable");
    expect(await outcome(authn.wellKnown())).toBe("unavailable");
    discovery = "up";
    expect(await outcome(authn.authenticate(bearer(await token())))).toBe("passed");
    expect((await authn.wellKnown()).jwks_uri).toBe(`${issuer}/protocol/openid-connect/certs`);
  });

  test("concurrent requests share one discovery attempt", async () => {
    discovery = "up";
    const authn = authenticator();
    const before = discoveries;
    const jwt = await token();
    await Promise.all(Array.from({ length: 5 }, () => authn.authenticate(bearer(jwt))));
    expect(discoveries - before).toBe(1);
  });

  test("a provider that names another issuer stops the start", async () => {
    discovery = "impostor";
    const error = await authenticator()
      .start(logger)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DiscoveryError);
    expect((error as DiscoveryError).permanent).toBe(true);
  });

  test("malformed and alg-none tokens are refused without asking the provider", async () => {
    discovery = "down";
    const authn = authenticator();
    const before = discoveries;
    const none = `${base64url.encode('{"alg":"none"}')}.${base64url.encode('{"sub":"admin"}')}.`;
    expect(await outcome(authn.authenticate(bearer("garbage")))).toBe("malformed");
    expect(await outcome(authn.authenticate(bearer(none)))).toBe("algorithm");
    expect(discoveries).toBe(before);
  });

  test("the jwt provider answers well-known without the network", async () => {
    const authn = new Authenticator(authnOptionsSchema.parse({ provider: "jwt", jwks: { keys: [jwk] }, issuer }));
    await authn.start(logger);
    expect(await authn.wellKnown()).toEqual({
      provider: "jwt",
      issuer,
      jwks_uri: null,
      token_endpoint: null,
      authorization_endpoint: null,
    });
    expect(await outcome(authn.authenticate(bearer(await token())))).toBe("passed");
  });
});
