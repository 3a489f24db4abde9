/**
 * `/_/authz/*`: manage the policies, and ask the PDP. These routes are checked by the plugin's
 * own `onRequest` like every `/_/` route: managing policies takes a policy that permits it.
 */
import { Hono } from "hono";
import { z } from "zod";
import { BuntimeError, errorResponse } from "../../../errors.ts";
import { StoreError } from "../../../store/keys.ts";
import { pluginRoutePrefix } from "../../../util/internal-path.ts";
import { judgedPath } from "../../../util/judged-path.ts";
import { accessRequest, appOfPath } from "./context.ts";
import {
  type AuthzDecision,
  decide,
  formatIssues,
  type JsonRequest,
  jsonResponse,
  type PdpRequest,
  type PolicyEntry,
  type PolicyTree,
  parseEntry,
  parseJsonRequest,
  type TraceNode,
  zodIssues,
} from "./pdp/index.ts";
import type { PolicyStore } from "./store/store.ts";

export interface RouteDeps {
  store: PolicyStore;
  /** The current top-level policy set. */
  root: () => PolicyTree;
}

type InvalidCode = "POLICY_INVALID" | "REQUEST_INVALID";

/** The body as JSON. @throws BuntimeError `code` when it is not JSON */
async function jsonBody(request: Request, code: InvalidCode): Promise<unknown> {
  try {
    return await request.json();
  } catch {
    throw new BuntimeError(code, "the body is not JSON");
  }
}

/** The body as a policy entry. @throws BuntimeError POLICY_INVALID naming the faults */
async function policyBody(request: Request): Promise<PolicyEntry> {
  const parsed = parseEntry(await jsonBody(request, "POLICY_INVALID"));
  if (!parsed.ok) throw new BuntimeError("POLICY_INVALID", `invalid policy: ${formatIssues(parsed.issues)}`);
  return parsed.value;
}

/** A JSON Profile request. @throws BuntimeError REQUEST_INVALID naming the faults */
function jsonProfileRequest(body: unknown): JsonRequest {
  const parsed = parseJsonRequest(body);
  if (!parsed.ok) throw new BuntimeError("REQUEST_INVALID", `invalid request: ${formatIssues(parsed.issues)}`);
  return parsed.value;
}

const notFound = (id: string) => new BuntimeError("NOT_FOUND", `no policy "${id}"`);

/** `/explain`'s simple form: a method, a path and who asks. */
const simpleExplain = z.strictObject({
  method: z.string().regex(/^[A-Za-z]+$/),
  path: z.string().startsWith("/"),
  app: z.string().optional(),
  version: z.string().optional(),
  clientAddress: z.string().optional(),
  identity: z
    .strictObject({
      sub: z.string(),
      username: z.string().optional(),
      roles: z.array(z.string()).default([]),
      groups: z.array(z.string()).default([]),
      claims: z.record(z.string(), z.unknown()).default({}),
    })
    .optional(),
});

/** The ids of the evaluated nodes that matched: policies by target, rules by target and condition. */
function matched(trace: readonly TraceNode[]) {
  const out = { policySets: [] as string[], policies: [] as string[], rules: [] as string[] };
  const walk = (nodes: readonly TraceNode[]) => {
    for (const node of nodes) {
      if (node.kind === "Rule") {
        if (node.decision === "Permit" || node.decision === "Deny") out.rules.push(node.id);
      } else if (node.target === "Match") {
        (node.kind === "Policy" ? out.policies : out.policySets).push(node.id);
      }
      walk(node.children ?? []);
    }
  };
  walk(trace);
  return out;
}

function explanation(result: AuthzDecision) {
  return {
    decision: result.decision,
    extendedDecision: result.extended,
    decidedBy: { policy: result.policyId, ...(result.ruleId ? { rule: result.ruleId } : {}) },
    status: result.status,
    matched: matched(result.trace ?? []),
    trace: result.trace ?? [],
  };
}

/**
 * The `/_/authz` routes. Faults are thrown as BuntimeErrors and answered, with their code, by
 * `onError`.
 */
export function authzRoutes({ store, root }: RouteDeps): Hono {
  const routes = new Hono();

  routes.onError((error) => {
    if (error instanceof BuntimeError) return errorResponse(error);
    // The shared store cannot be reached (or read): the change is refused, nothing changed.
    if (error instanceof StoreError) return errorResponse(new BuntimeError("STORE_UNAVAILABLE", error.message));
    throw error;
  });

  routes.get("/policies", (c) => c.json(store.list().map((e) => e.source)));

  routes.post("/policies", async (c) => {
    const entry = await policyBody(c.req.raw);
    await store.add(entry);
    c.header("location", `${pluginRoutePrefix("@buntime/authz")}/policies/${encodeURIComponent(entry.id)}`);
    return c.json(entry.source, 201);
  });

  routes.get("/policies/:id", (c) => {
    const entry = store.get(c.req.param("id"));
    if (!entry) throw notFound(c.req.param("id"));
    return c.json(entry.source);
  });

  routes.put("/policies/:id", async (c) => {
    const id = c.req.param("id");
    const entry = await policyBody(c.req.raw);
    if (entry.id !== id) {
      throw new BuntimeError(
        "POLICY_INVALID",
        `invalid policy: $: its id "${entry.id}" is not the "${id}" of the path`,
      );
    }
    const outcome = await store.put(entry);
    return c.json(entry.source, outcome === "created" ? 201 : 200);
  });

  routes.delete("/policies/:id", async (c) => {
    if (!(await store.remove(c.req.param("id")))) throw notFound(c.req.param("id"));
    return c.body(null, 204);
  });

  routes.post("/evaluate", async (c) => {
    const { request, returnPolicyIdList } = jsonProfileRequest(await jsonBody(c.req.raw, "REQUEST_INVALID"));
    return c.json(jsonResponse(decide(root(), request), returnPolicyIdList));
  });

  routes.post("/explain", async (c) => {
    const body = await jsonBody(c.req.raw, "REQUEST_INVALID");
    let request: PdpRequest;
    if (typeof body === "object" && body !== null && "Request" in body) {
      request = jsonProfileRequest(body).request;
    } else {
      const parsed = simpleExplain.safeParse(body);
      if (!parsed.success) {
        throw new BuntimeError("REQUEST_INVALID", `invalid request: ${formatIssues(zodIssues(parsed.error))}`);
      }
      const { identity, ...access } = parsed.data;
      request = accessRequest({
        ...access,
        // Judged as a request's own path is (ctx.path): `/echo@1/x` is `/echo/x`.
        path: judgedPath(access.path),
        app: access.app ?? appOfPath(access.path),
        identity: identity && { ...identity, username: identity.username },
      });
    }
    return c.json(explanation(decide(root(), request, { explain: true })));
  });

  return routes;
}
