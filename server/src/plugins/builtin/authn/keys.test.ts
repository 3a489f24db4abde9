import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type JWK, jwtVerify, SignJWT } from "jose";
import { serveLocally, signingKey } from "../../../../../test/support/authn-keys.ts";
import { AuthnFailure } from "./failure.ts";
import { remoteKeys } from "./keys.ts";

/** A JWKS endpoint whose answer the tests switch. */
let mode: "ok" | "error" | "hang" = "ok";
let fetches = 0;
let jwk: JWK;
let privateKey: CryptoKey;
let server: ReturnType<typeof Bun.serve>;
const jwksUri = () => `http://127.0.0.1:${server.port}/certs`;

beforeAll(async () => {
  ({ privateKey, jwk } = await signingKey());
  server = serveLocally(async () => {
    fetches++;
    if (mode === "error") return new Response("down", { status: 500 });
    if (mode === "hang") await Bun.sleep(2000);
    return Response.json({ keys: [jwk] });
  });
});
afterAll(() => server.stop(true));

const token = (kid = "k1") => new SignJWT({ sub: "u1" }).setProtectedHeader({ alg: "RS256", kid }).sign(privateKey);

/** "verified", or the failure's reason, or the jose error's code. */
async function verdict(resolve: ReturnType<typeof remoteKeys>["resolve"], kid?: string): Promise<string> {
  try {
    await jwtVerify(await token(kid), resolve, { algorithms: ["RS256"] });
    return "verified";
  } catch (error) {
    return error instanceof AuthnFailure ? error.reason : (error as { code: string }).code;
  }
}

describe("remoteKeys", () => {
  test("fetches the set once and serves later tokens from the cache", async () => {
    mode = "ok";
    const keys = remoteKeys(jwksUri(), 1000);
    const before = fetches;
    expect(await verdict(keys.resolve)).toBe("verified");
    expect(await verdict(keys.resolve)).toBe("verified");
    expect(fetches - before).toBe(1);
  });

  test("an unknown kid re-fetches the set (a key rotation), at most once per cooldown", async () => {
    mode = "ok";
    const keys = remoteKeys(jwksUri(), 1000, { cooldownMs: 200 });
    await keys.prefetch();
    let before = fetches;
    // Within the cooldown: no fetch, the token's fault.
    expect(await verdict(keys.resolve, "rotated")).toBe("ERR_JWKS_NO_MATCHING_KEY");
    expect(fetches - before).toBe(0);
    await Bun.sleep(250);
    const original = jwk;
    jwk = { ...original, kid: "rotated" };
    before = fetches;
    try {
      expect(await verdict(keys.resolve, "rotated")).toBe("verified");
      expect(fetches - before).toBe(1);
    } finally {
      jwk = original;
    }
  });

  test("provider down and nothing cached: unavailable, never verified", async () => {
    mode = "error";
    expect(await verdict(remoteKeys(jwksUri(), 1000).resolve)).toBe("unavailable");
  });

  test("provider hangs past the timeout: unavailable", async () => {
    mode = "hang";
    const started = performance.now();
    expect(await verdict(remoteKeys(jwksUri(), 100).resolve)).toBe("unavailable");
    expect(performance.now() - started).toBeLessThan(1000);
  });

  test("provider down with the key cached: the cached key still verifies; others are unavailable", async () => {
    mode = "ok";
    // A zero cache age makes every token re-fetch, as a stale cache would.
    const keys = remoteKeys(jwksUri(), 1000, { maxAgeMs: 0, cooldownMs: 0 });
    await keys.prefetch();
    mode = "error";
    const before = fetches;
    expect(await verdict(keys.resolve)).toBe("verified");
    expect(fetches).toBeGreaterThan(before);
    expect(await verdict(keys.resolve, "not-cached")).toBe("unavailable");
  });
});
