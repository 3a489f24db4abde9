/**
 * `/_/authz/*`: manage the policies, and ask the PDP. These routes are checked by the plugin's
 * own `onRequest` like every `/_/` route: managing policies takes a policy that permits it.
 */
import { Hono } from "hono";
import { z } from "zod";
import { BuntimeError, errorResponse } from "../../../errors.ts";
import { accessRequest, appOfPath } from "./context.ts";
import {
  type AuthzDecision,
  decide,
  formatIssues,
  jsonResponse,
  type PdpRequest,
  type PolicyTree,
  parseEntry,
  parseJsonRequest,
  type TraceNode,
} from "./pdp/index.ts";
import type { PolicyStore } from "./store/store.ts";

export interface RouteDeps {
  store: PolicyStore;
  /** The current top-level policy set. */
  root: () => PolicyTree;
}

const invalid = (code: "POLICY_INVALID" | "REQUEST_INVALID", message: string) =>
  errorResponse(new BuntimeError(code, message));

async function jsonBody(request: Request): Promise<{ ok: true; value: unknown } | { ok: false }> {
  try {
    return { ok: true, value: await request.json() };
  } catch {
    return { ok: false };
  }
}

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

export function authzRoutes({ store, root }: RouteDeps): Hono {
  const routes = new Hono();

  routes.onError((error) => {
    if (error instanceof BuntimeError) return errorResponse(error);
    throw error;
  });

  routes.get("/policies", (c) => c.json(store.list().map((e) => e.source)));

  routes.post("/policies", async (c) => {
    const body = await jsonBody(c.req.raw);
    if (!body.ok) return invalid("POLICY_INVALID", "the body is not JSON");
    const parsed = parseEntry(body.value);
    if (!parsed.ok) return invalid("POLICY_INVALID", `invalid policy: ${formatIssues(parsed.issues)}`);
    await store.add(parsed.value);
    c.header("location", `/_/authz/policies/${encodeURIComponent(parsed.value.id)}`);
    return c.json(parsed.value.source, 201);
  });

  routes.get("/policies/:id", (c) => {
    const entry = store.get(c.req.param("id"));
    if (!entry) return errorResponse(new BuntimeError("NOT_FOUND", `no policy "${c.req.param("id")}"`));
    return c.json(entry.source);
  });

  routes.put("/policies/:id", async (c) => {
    const id = c.req.param("id");
    const body = await jsonBody(c.req.raw);
    if (!body.ok) return invalid("POLICY_INVALID", "the body is not JSON");
    const parsed = parseEntry(body.value);
    if (!parsed.ok) return invalid("POLICY_INVALID", `invalid policy: ${formatIssues(parsed.issues)}`);
    if (parsed.value.id !== id) {
      return invalid("POLICY_INVALID", `invalid policy: $: its id "${parsed.value.id}" is not the "${id}" of the path`);
    }
    const outcome = await store.put(parsed.value);
    return c.json(parsed.value.source, outcome === "created" ? 201 : 200);
  });

  routes.delete("/policies/:id", async (c) => {
    if (!(await store.remove(c.req.param("id")))) {
      return errorResponse(new BuntimeError("NOT_FOUND", `no policy "${c.req.param("id")}"`));
    }
    return c.body(null, 204);
  });

  routes.post("/evaluate", async (c) => {
    const body = await jsonBody(c.req.raw);
    if (!body.ok) return invalid("REQUEST_INVALID", "the body is not JSON");
    const parsed = parseJsonRequest(body.value);
    if (!parsed.ok) return invalid("REQUEST_INVALID", `invalid request: ${formatIssues(parsed.issues)}`);
    return c.json(jsonResponse(decide(root(), parsed.value.request), parsed.value.returnPolicyIdList));
  });

  routes.post("/explain", async (c) => {
    const body = await jsonBody(c.req.raw);
    if (!body.ok) return invalid("REQUEST_INVALID", "the body is not JSON");
    let request: PdpRequest;
    if (typeof body.value === "object" && body.value !== null && "Request" in body.value) {
      const parsed = parseJsonRequest(body.value);
      if (!parsed.ok) return invalid("REQUEST_INVALID", `invalid request: ${formatIssues(parsed.issues)}`);
      request = parsed.value.request;
    } else {
      const parsed = simpleExplain.safeParse(body.value);
      if (!parsed.success) {
        const detail = parsed.error.issues.map(
          (i) => `$${i.path.map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`)).join("")}: ${i.message}`,
        );
        return invalid("REQUEST_INVALID", `invalid request: ${detail.join("; ")}`);
      }
      const { identity, ...access } = parsed.data;
      request = accessRequest({
        ...access,
        app: access.app ?? appOfPath(access.path),
        identity: identity && { ...identity, username: identity.username },
      });
    }
    return c.json(explanation(decide(root(), request, { explain: true })));
  });

  return routes;
}
