/**
 * Attribute categories and ids (XACML 3.0 §B.2, §B.4–§B.7, plus Buntime's own), the short names
 * policies and requests may use for them, and the request context a designator reads from.
 */
import type { Atom, DataType } from "./datatypes.ts";
import { EvaluationError, STATUS } from "./decision.ts";
import { type Bag, bagOf } from "./values.ts";

/** The four categories Buntime fills. */
export const CATEGORY = {
  accessSubject: "urn:oasis:names:tc:xacml:1.0:subject-category:access-subject",
  resource: "urn:oasis:names:tc:xacml:3.0:attribute-category:resource",
  action: "urn:oasis:names:tc:xacml:3.0:attribute-category:action",
  environment: "urn:oasis:names:tc:xacml:3.0:attribute-category:environment",
} as const;

/** The attributes Buntime fills; claims are `claim:<name>`. */
export const ATTRIBUTE = {
  subjectId: "urn:oasis:names:tc:xacml:1.0:subject:subject-id",
  role: "urn:oasis:names:tc:xacml:2.0:subject:role",
  group: "urn:buntime:subject:group",
  resourceId: "urn:oasis:names:tc:xacml:1.0:resource:resource-id",
  app: "urn:buntime:resource:app",
  version: "urn:buntime:resource:version",
  path: "urn:buntime:resource:path",
  actionId: "urn:oasis:names:tc:xacml:1.0:action:action-id",
  currentTime: "urn:oasis:names:tc:xacml:1.0:environment:current-time",
  currentDate: "urn:oasis:names:tc:xacml:1.0:environment:current-date",
  currentDateTime: "urn:oasis:names:tc:xacml:1.0:environment:current-dateTime",
  clientAddress: "urn:buntime:environment:client-address",
} as const;

/** The attribute id of a token claim. */
export const claimAttribute = (name: string) => `claim:${name}`;

/** Short category names: the JSON Profile's (§4.2.2) and lower-case ones. */
const CATEGORY_ALIASES: Record<string, string> = {
  AccessSubject: CATEGORY.accessSubject,
  "access-subject": CATEGORY.accessSubject,
  subject: CATEGORY.accessSubject,
  Resource: CATEGORY.resource,
  resource: CATEGORY.resource,
  Action: CATEGORY.action,
  action: CATEGORY.action,
  Environment: CATEGORY.environment,
  environment: CATEGORY.environment,
};

const ATTRIBUTE_ALIASES: Record<string, string> = {
  "subject-id": ATTRIBUTE.subjectId,
  role: ATTRIBUTE.role,
  group: ATTRIBUTE.group,
  "resource-id": ATTRIBUTE.resourceId,
  app: ATTRIBUTE.app,
  version: ATTRIBUTE.version,
  path: ATTRIBUTE.path,
  "action-id": ATTRIBUTE.actionId,
  method: ATTRIBUTE.actionId,
  "current-time": ATTRIBUTE.currentTime,
  "current-date": ATTRIBUTE.currentDate,
  "current-dateTime": ATTRIBUTE.currentDateTime,
  "client-address": ATTRIBUTE.clientAddress,
};

/** A category URI from a URI or a short name (`AccessSubject`, `resource`, …). */
export function categoryId(name: string): string {
  return CATEGORY_ALIASES[name] ?? name;
}

/** An attribute id from an id or a short name (`role`, `method`, `current-time`, …). */
export function attributeId(name: string): string {
  return ATTRIBUTE_ALIASES[name] ?? name;
}

/** `<AttributeDesignator>`: which attribute to read, and whether its absence is an error. */
export interface Designator {
  category: string;
  attributeId: string;
  dataType: DataType;
  mustBePresent: boolean;
  issuer?: string;
}

export interface RequestAttribute {
  value: Atom;
  issuer?: string;
}

/** The request context: category → attribute id → values. */
export type PdpRequest = Map<string, Map<string, RequestAttribute[]>>;

/** Adds values of one attribute to a request context (ids and categories may be short names). */
export function addAttribute(
  request: PdpRequest,
  category: string,
  id: string,
  values: readonly Atom[],
  issuer?: string,
): PdpRequest {
  const cat = categoryId(category);
  const attrs = request.get(cat) ?? new Map<string, RequestAttribute[]>();
  request.set(cat, attrs);
  const key = attributeId(id);
  const list = attrs.get(key) ?? [];
  attrs.set(key, list);
  for (const value of values) list.push(issuer === undefined ? { value } : { value, issuer });
  return request;
}

/** Whether the request has any value for the attribute. */
export function hasAttribute(request: PdpRequest, category: string, id: string): boolean {
  return (request.get(categoryId(category))?.get(attributeId(id))?.length ?? 0) > 0;
}

/**
 * The bag a designator selects: the values of its category, id and data type (and issuer, when
 * it names one), XACML 3.0 §7.3.5.
 * @throws EvaluationError (missing-attribute) when the bag is empty and `MustBePresent` is set
 */
export function designate(request: PdpRequest, designator: Designator): Bag {
  const values = request.get(designator.category)?.get(designator.attributeId) ?? [];
  const items = values
    .filter((v) => v.value.type === designator.dataType && (!designator.issuer || v.issuer === designator.issuer))
    .map((v) => v.value);
  if (items.length === 0 && designator.mustBePresent) {
    throw new EvaluationError(
      STATUS.missingAttribute,
      `missing attribute ${designator.attributeId} (category ${designator.category}, data type ${designator.dataType})`,
    );
  }
  return bagOf(designator.dataType, items);
}
