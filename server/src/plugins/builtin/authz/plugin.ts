import { resolve } from "node:path";
import { definePlugin, type RequestContext } from "@buntime/sdk";
import { BuntimeError, errorResponse } from "../../../errors.ts";
import { StoreError } from "../../../store/keys.ts";
import { sharedStore } from "../../../store/shared.ts";
import { isPublicRoute } from "../../../util/public-routes.ts";
import { getIdentity } from "../identity.ts";
import { markPermittedByPolicy } from "../policy-mark.ts";
import { accessRequest } from "./context.ts";
import { authzOptionsSchema } from "./options.ts";
import { decide, globMatcher, type PolicyTree, rootPolicySet } from "./pdp/index.ts";
import { enforce, type PepAction } from "./pep.ts";
import { authzRoutes } from "./routes.ts";
import { fileStore } from "./store/file-store.ts";
import { memoryStore } from "./store/memory-store.ts";
import { PolicyStore } from "./store/store.ts";

/** Response headers an obligation asked for, kept from onRequest to onResponse. */
const RESPONSE_HEADERS = "buntime.authz.response-headers";

/**
 * `@buntime/authz` (docs/extensions.md#buntimeauthz): a XACML 3.0 PDP and PEP. Every request,
 * the runtime's own `/_/` routes and this plugin's `/_/authz/*` included, is denied with 403
 * FORBIDDEN unless a policy permits it; the public routes (docs/routes.md#internal-routes) and
 * `excludePaths` are never checked. It runs after `@buntime/authn` (priority 10) and reads the
 * identity authn verified, without depending on it: with no authn, requests simply have no
 * subject.
 *
 * @example
 * // buntime.jsonc
 * { "required": ["@buntime/authz"],
 *   "plugins": [["@buntime/authz", { "store": "file", "path": "./data/policies.json" }]] }
 */
export const authzPlugin = definePlugin({
  name: "@buntime/authz",
  priority: 20,
  options: authzOptionsSchema,
  setup(options) {
    const store = new PolicyStore(
      options.store === "file"
        ? fileStore(resolve(process.cwd(), options.path), { createIfMissing: options.createIfMissing })
        : options.store === "shared"
          ? sharedStore().policies
          : memoryStore(options.policies),
    );
    // Until onInit has loaded the store, nothing is permitted.
    let root: PolicyTree = rootPolicySet([], options.algorithm);
    store.subscribe((entries) => {
      root = rootPolicySet(entries, options.algorithm);
    });
    const excluded = options.excludePaths.map(globMatcher);

    function act(actions: readonly PepAction[], ctx: RequestContext, policy: string): void {
      const headers: [string, string][] = [];
      for (const action of actions) {
        if (action.kind === "header") {
          headers.push([action.name, action.value]);
        } else {
          ctx.logger.info("authz obligation", { requestId: ctx.requestId, policy, ...action.fields });
        }
      }
      if (headers.length > 0) ctx.vars.set(RESPONSE_HEADERS, headers);
    }

    return {
      async onInit(ctx) {
        try {
          await store.load();
        } catch (error) {
          // A shared store that is down at start must not stop the node: nothing is permitted
          // until it answers, and its reconnection reloads the policies (the store notifies).
          if (!(options.store === "shared" && error instanceof StoreError && error.code === "STORE_UNAVAILABLE")) {
            throw error;
          }
          ctx.logger.warn("authz policies not loaded yet: the shared store is unreachable; denying until it answers", {
            error: error.message,
          });
          return;
        }
        ctx.logger.info("authz policies loaded", { policies: store.list().length, algorithm: options.algorithm });
      },
      onRequest(request, ctx) {
        if (isPublicRoute(request.method, ctx.path) || excluded.some((matches) => matches(ctx.path))) return;
        const identity = getIdentity(ctx);
        const app = ctx.app?.name ?? ctx.target?.name;
        const judge = (method: string) => {
          const result = decide(
            root,
            accessRequest({
              identity,
              method,
              path: ctx.path,
              app,
              version: ctx.app?.version,
              clientAddress: ctx.clientAddress,
            }),
          );
          return { result, enforcement: enforce(result) };
        };
        // HEAD runs the app's fetch as GET does: it passes only when a GET would pass too (a
        // deny of GET let HEAD through). Judged twice, each with one method: a bag of two broke
        // policies that take `string-one-and-only` of the action.
        let { result, enforcement } = judge(request.method);
        if (enforcement.allow && request.method.toUpperCase() === "HEAD") ({ result, enforcement } = judge("GET"));
        act(enforcement.actions, ctx, result.policyId);
        if (enforcement.allow) {
          markPermittedByPolicy(ctx);
          return;
        }
        ctx.logger.warn("authz denied", {
          requestId: ctx.requestId,
          subject: identity?.sub,
          resource: { app, version: ctx.app?.version, path: ctx.path },
          action: request.method,
          decision: result.extended,
          policy: result.policyId,
          rule: result.ruleId,
          reason: enforcement.reason,
        });
        return errorResponse(
          new BuntimeError("FORBIDDEN", `${request.method} ${ctx.path} is forbidden: ${enforcement.reason}`),
        );
      },
      onResponse(response, ctx) {
        const headers = ctx.vars.get(RESPONSE_HEADERS) as [string, string][] | undefined;
        if (!headers) return;
        const copy = new Response(response.body, response);
        for (const [name, value] of headers) copy.headers.set(name, value);
        return copy;
      },
      async onShutdown() {
        await store.settled();
        store.close();
      },
      routes: authzRoutes({ store, root: () => root }),
    };
  },
});
