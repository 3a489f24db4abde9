/**
 * @buntime/server/plugins: for plugin authors whose plugins work with the built-in ones (plugins
 * themselves are made with `definePlugin` from `@buntime/sdk`).
 *
 * @example
 * import { definePlugin } from "@buntime/sdk";
 * import { getIdentity } from "@buntime/server/plugins";
 * export default definePlugin({
 *   name: "audit",
 *   setup: () => ({ onRequest: (request, ctx) => ctx.logger.info("caller", { sub: getIdentity(ctx)?.sub }) }),
 * });
 */

// The verified caller, as @buntime/authn records it and @buntime/authz reads it
export type { Identity } from "../plugins/builtin/identity.ts";
export { getIdentity, IDENTITY_HEADER, setIdentity } from "../plugins/builtin/identity.ts";
