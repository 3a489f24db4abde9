/**
 * What expressions evaluate to: an atom, a bag of atoms of one type (XACML 3.0 §7.3.2), or a
 * function named as the argument of a higher-order function. Typed accessors throw
 * EvaluationError so that a mistyped argument makes its element Indeterminate.
 */
import { type Atom, type DataType, shortTypeName } from "./datatypes.ts";
import { EvaluationError, STATUS } from "./decision.ts";

/** An unordered collection of atoms of one type; may be empty. */
export interface Bag {
  readonly kind: "bag";
  readonly type: DataType;
  readonly items: readonly Atom[];
}

/** `<Function FunctionId=…/>`: a function passed to another (any-of, map, …). */
export interface FunctionRef {
  readonly kind: "function";
  readonly id: string;
}

export type Value = Atom | Bag | FunctionRef;

export function bagOf(type: DataType, items: readonly Atom[]): Bag {
  return { kind: "bag", type, items };
}

export function isBag(value: Value): value is Bag {
  return "kind" in value && value.kind === "bag";
}

function isFunction(value: Value): value is FunctionRef {
  return "kind" in value && value.kind === "function";
}

export function isAtom(value: Value): value is Atom {
  return !("kind" in value);
}

/** A short description of a value's type for messages: `string`, `bag of integer`, `function`. */
export function describe(value: Value): string {
  if (isBag(value)) return `bag of ${shortTypeName(value.type)}`;
  if (isFunction(value)) return "function";
  return shortTypeName(value.type);
}

function mistyped(where: string, expected: string, got: Value): EvaluationError {
  return new EvaluationError(STATUS.processingError, `${where}: expected ${expected}, got ${describe(got)}`);
}

/** The argument as an atom of `type` (any type when omitted). */
export function expectAtom(value: Value, type: DataType | undefined, where: string): Atom {
  if (!isAtom(value) || (type && value.type !== type)) {
    throw mistyped(where, type ? shortTypeName(type) : "a single value", value);
  }
  return value;
}

/** The argument as a bag of `type` (any type when omitted). */
export function expectBag(value: Value, type: DataType | undefined, where: string): Bag {
  if (!isBag(value) || (type && value.type !== type && value.items.length > 0)) {
    throw mistyped(where, `bag of ${type ? shortTypeName(type) : "values"}`, value);
  }
  return value;
}

export function expectFunction(value: Value, where: string): FunctionRef {
  if (!isFunction(value)) throw mistyped(where, "function", value);
  return value;
}
