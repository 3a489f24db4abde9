/**
 * How `@buntime/authz` tells the admin guard that its policies permitted a request. The guard
 * skips its own role table only for a request that carries this mark, so a path the policies
 * never looked at (authz's `excludePaths`) still needs the route's role: never open by omission.
 */
import type { RequestContext } from "@buntime/sdk";

const PERMITTED = "buntime.authz.permitted";

/** Called by authz when its policies permit the request. */
export function markPermittedByPolicy(ctx: RequestContext): void {
  ctx.vars.set(PERMITTED, true);
}

/** Whether authz's policies permitted this request. */
export function permittedByPolicy(ctx: RequestContext): boolean {
  return ctx.vars.get(PERMITTED) === true;
}
