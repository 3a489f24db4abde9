/**
 * The context handler (XACML 3.0 §7.3): what Buntime knows about an HTTP request, as the
 * attributes the PDP reads: the identity authn verified, the app and path, the method and the
 * client's address. The environment's current time is added by the PDP.
 */
import { isInternalPath } from "../../../util/internal-path.ts";
import type { Identity } from "../identity.ts";
import {
  ATTRIBUTE,
  type Atom,
  addAttribute,
  atom,
  CATEGORY,
  claimAttribute,
  DATA_TYPES,
  inferType,
  type PdpRequest,
  parseAtom,
} from "./pdp/index.ts";

/** One request as the PEP sees it. */
export interface HttpAccess {
  identity: Identity | undefined;
  method: string;
  /** The full request path, before the app prefix is removed. */
  path: string;
  /** The app the path names (resolved or not); undefined for `/_/` routes. */
  app?: string;
  version?: string;
  clientAddress?: string;
}

/** A claim's value as atoms: primitives as their JSON type, arrays of them as a bag; objects are left out. */
function claimAtoms(value: unknown): Atom[] {
  const values = Array.isArray(value) ? value : [value];
  return values.flatMap((v): Atom[] => {
    if (typeof v === "number" && Number.isInteger(v) && !Number.isSafeInteger(v))
      return [{ type: DATA_TYPES.double, value: v }];
    const type = inferType(v);
    return type ? [parseAtom(type, v)] : [];
  });
}

/**
 * The request context for `access`: access-subject (`subject-id` = sub, `role`, `group`,
 * `claim:<name>`), resource (`resource-id` and `path`, `app`, `version`), action (`action-id` =
 * the method) and environment (`client-address`). A request without an identity has no subject
 * attributes at all.
 */
export function accessRequest(access: HttpAccess): PdpRequest {
  const request: PdpRequest = new Map();
  const { identity } = access;
  if (identity) {
    const S = CATEGORY.accessSubject;
    addAttribute(request, S, ATTRIBUTE.subjectId, [atom.string(identity.sub)]);
    addAttribute(request, S, ATTRIBUTE.role, identity.roles.map(atom.string));
    addAttribute(request, S, ATTRIBUTE.group, identity.groups.map(atom.string));
    for (const [name, value] of Object.entries(identity.claims)) {
      addAttribute(request, S, claimAttribute(name), claimAtoms(value));
    }
  }
  const R = CATEGORY.resource;
  addAttribute(request, R, ATTRIBUTE.resourceId, [atom.string(access.path)]);
  addAttribute(request, R, ATTRIBUTE.path, [atom.string(access.path)]);
  if (access.app) addAttribute(request, R, ATTRIBUTE.app, [atom.string(access.app)]);
  if (access.version) addAttribute(request, R, ATTRIBUTE.version, [atom.string(access.version)]);
  addAttribute(request, CATEGORY.action, ATTRIBUTE.actionId, [atom.string(access.method.toUpperCase())]);
  if (access.clientAddress) {
    addAttribute(request, CATEGORY.environment, ATTRIBUTE.clientAddress, [atom.string(access.clientAddress)]);
  }
  return request;
}

/** The app a path names (`/echo@1/x` → `echo`), for requests that did not go through routing. */
export function appOfPath(path: string): string | undefined {
  if (isInternalPath(path)) return undefined;
  const name = (path.split("/")[1] ?? "").split("@")[0] ?? "";
  let decoded = name;
  try {
    decoded = decodeURIComponent(name);
  } catch {
    // A malformed escape: keep the name as written (it will then name no app).
  }
  return decoded === "" ? undefined : decoded;
}
