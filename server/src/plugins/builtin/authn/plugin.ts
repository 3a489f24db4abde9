import { definePlugin } from "@buntime/sdk";
import { getIdentity, IDENTITY_HEADER, type Identity, setIdentity } from "../identity.ts";
import { Authenticator } from "./authenticator.ts";
import { encodeIdentity } from "./claims.ts";
import { AuthnFailure, failureResponse } from "./failure.ts";
import { authnOptionsSchema } from "./options.ts";
import { exemptions } from "./paths.ts";
import { authnRoutes } from "./routes.ts";

/**
 * `@buntime/authn` (docs/extensions.md#buntimeauthn): every request needs a valid bearer token (or, on admin
 * routes, an API key the admin guard verified), except the public routes and `excludePaths` (and, with `optional`, requests
 * that send none). The verified identity is shared with later plugins (`getIdentity`) and
 * reaches apps in `x-buntime-identity`; a client's own `x-buntime-identity` never does.
 *
 * @example
 * // buntime.jsonc
 * { "required": ["@buntime/authn"],
 *   "plugins": [["@buntime/authn", { "provider": "keycloak", "url": "https://sso.example.com",
 *                                    "realm": "acme", "audience": "buntime", "clientId": "buntime" }]] }
 */
export const authnPlugin = definePlugin({
  name: "@buntime/authn",
  priority: 10,
  options: authnOptionsSchema,
  setup(options) {
    const authenticator = new Authenticator(options);
    const isExempt = exemptions(options.excludePaths);
    return {
      onInit: (ctx) => authenticator.start(ctx.logger),
      async onRequest(request, ctx) {
        if (isExempt(request.method, ctx.path)) return forward(request, undefined);
        // The admin guard already verified an API key or the admin token (admin routes only).
        if (getIdentity(ctx)) return forward(request, undefined);
        let identity: Identity | undefined;
        try {
          identity = await authenticator.authenticate(request);
        } catch (error) {
          if (error instanceof AuthnFailure) return failureResponse(error);
          throw error;
        }
        if (identity) {
          setIdentity(ctx, identity);
          return forward(request, identity);
        }
        return options.optional ? forward(request, undefined) : failureResponse(new AuthnFailure("missing"));
      },
      routes: authnRoutes(authenticator),
    };
  },
});

/**
 * The request the app gets: the client's `x-buntime-identity` removed, the verified one (if
 * any) set. Unchanged requests are not copied.
 */
function forward(request: Request, identity: Identity | undefined): Request | undefined {
  if (!identity && !request.headers.has(IDENTITY_HEADER)) return undefined;
  const headers = new Headers(request.headers);
  headers.delete(IDENTITY_HEADER);
  if (identity) headers.set(IDENTITY_HEADER, encodeIdentity(identity));
  return new Request(request, { headers });
}
