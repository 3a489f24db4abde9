import { Hono } from "hono";
import type { Authenticator } from "./authenticator.ts";
import { AuthnFailure, failureResponse } from "./failure.ts";

/**
 * The plugin's routes under `/_/authn`:
 * - `GET /well-known`: the provider's public endpoints (issuer, jwks_uri, token and
 *   authorization endpoints); needs no token; 503 while the provider cannot be discovered.
 * - `GET /me`: the identity of the caller's token; 401 without one (also when `optional`).
 */
export function authnRoutes(authenticator: Authenticator): Hono {
  const routes = new Hono();
  routes.get("/well-known", (c) => answer(async () => c.json(await authenticator.wellKnown())));
  routes.get("/me", (c) =>
    answer(async () => {
      const identity = await authenticator.authenticate(c.req.raw);
      if (!identity) throw new AuthnFailure("missing");
      return c.json(identity);
    }),
  );
  return routes;
}

/** Runs a handler, answering its AuthnFailure as the contract's error; anything else is the host's 500. */
async function answer(handler: () => Promise<Response>): Promise<Response> {
  try {
    return await handler();
  } catch (error) {
    if (error instanceof AuthnFailure) return failureResponse(error);
    throw error;
  }
}
