/**
 * XACML data types (XACML 3.0 §B.3) as typed atoms: parsing from JSON, equality, ordering and
 * formatting back to JSON. Times without a time zone are read in the PDP's default zone
 * (`offset`, minutes east of UTC), as XACML 3.0 §A.3.8 asks of `time-in-range`.
 */
import { EvaluationError, STATUS } from "./status.ts";

const XS = "http://www.w3.org/2001/XMLSchema#";

/** The data types this PDP knows, by the short names the JSON Profile (§3.3.2) also accepts. */
export const DATA_TYPES = {
  string: `${XS}string`,
  boolean: `${XS}boolean`,
  integer: `${XS}integer`,
  double: `${XS}double`,
  time: `${XS}time`,
  date: `${XS}date`,
  dateTime: `${XS}dateTime`,
  anyURI: `${XS}anyURI`,
} as const;

export type DataTypeName = keyof typeof DATA_TYPES;
export type DataType = (typeof DATA_TYPES)[DataTypeName];

/**
 * One value of a data type. `value` is the string, boolean or number itself; times, dates and
 * dateTimes keep their wall-clock reading as a number (seconds since midnight for `time`,
 * ms since the epoch read as UTC for `date`/`dateTime`) and their written zone in `offset`.
 */
export interface Atom {
  readonly type: DataType;
  readonly value: string | number | boolean;
  /** Minutes east of UTC as written (`Z` = 0); undefined when no zone was written. */
  readonly offset?: number;
}

const BY_URI = new Map<string, DataType>(Object.values(DATA_TYPES).map((uri) => [uri, uri]));
for (const [name, uri] of Object.entries(DATA_TYPES)) BY_URI.set(name, uri);

/** The data type a URI or short name stands for, or undefined. */
export function dataTypeOf(name: string): DataType | undefined {
  return BY_URI.get(name);
}

/** The short name of a data type (`string` for `…XMLSchema#string`). */
export function shortTypeName(type: DataType): DataTypeName {
  return type.slice(XS.length) as DataTypeName;
}

const ZONE = "(Z|[+-]\\d{2}:\\d{2})?";
const TIME = new RegExp(`^(\\d{2}):(\\d{2}):(\\d{2}(?:\\.\\d+)?)${ZONE}$`);
const DATE = new RegExp(`^(-?\\d{4,})-(\\d{2})-(\\d{2})${ZONE}$`);
const DATE_TIME = new RegExp(`^(-?\\d{4,})-(\\d{2})-(\\d{2})T(\\d{2}):(\\d{2}):(\\d{2}(?:\\.\\d+)?)${ZONE}$`);

function syntax(type: DataType, raw: unknown): EvaluationError {
  return new EvaluationError(STATUS.syntaxError, `${JSON.stringify(raw)} is not a valid ${shortTypeName(type)}`);
}

function zone(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (text === "Z") return 0;
  const sign = text.startsWith("-") ? -1 : 1;
  return sign * (Number(text.slice(1, 3)) * 60 + Number(text.slice(4, 6)));
}

function secondsOfDay(h: string, m: string, s: string): number | undefined {
  const [hh, mm, ss] = [Number(h), Number(m), Number(s)];
  if (hh === 24 && mm === 0 && ss === 0) return 0;
  if (hh > 23 || mm > 59 || ss >= 60) return undefined;
  return hh * 3600 + mm * 60 + ss;
}

function utcDay(y: string, mo: string, d: string): number | undefined {
  const ms = Date.UTC(Number(y), Number(mo) - 1, Number(d));
  const check = new Date(ms);
  return check.getUTCMonth() === Number(mo) - 1 && check.getUTCDate() === Number(d) ? ms : undefined;
}

/**
 * Reads a JSON value as an atom of `type`; lexical strings are accepted for every type.
 * @throws EvaluationError (syntax-error) when the value is not of the type
 */
export function parseAtom(type: DataType, raw: unknown): Atom {
  switch (type) {
    case DATA_TYPES.string:
    case DATA_TYPES.anyURI:
      if (typeof raw !== "string") throw syntax(type, raw);
      return { type, value: raw };
    case DATA_TYPES.boolean:
      if (typeof raw === "boolean") return { type, value: raw };
      if (raw === "true" || raw === "1") return { type, value: true };
      if (raw === "false" || raw === "0") return { type, value: false };
      throw syntax(type, raw);
    case DATA_TYPES.integer: {
      const n = typeof raw === "string" && /^[+-]?\d+$/.test(raw) ? Number(raw) : raw;
      if (typeof n !== "number" || !Number.isSafeInteger(n)) throw syntax(type, raw);
      return { type, value: n };
    }
    case DATA_TYPES.double: {
      const special: Record<string, number> = { INF: Infinity, "-INF": -Infinity, NaN: Number.NaN };
      const n = typeof raw === "string" ? (special[raw] ?? (raw.trim() === "" ? Number.NaN : Number(raw))) : raw;
      if (typeof n !== "number" || (Number.isNaN(n) && raw !== "NaN")) throw syntax(type, raw);
      return { type, value: n };
    }
    case DATA_TYPES.time: {
      const m = typeof raw === "string" ? TIME.exec(raw) : null;
      const seconds = m ? secondsOfDay(m[1]!, m[2]!, m[3]!) : undefined;
      if (!m || seconds === undefined) throw syntax(type, raw);
      return { type, value: seconds, offset: zone(m[4]) };
    }
    case DATA_TYPES.date: {
      const m = typeof raw === "string" ? DATE.exec(raw) : null;
      const day = m ? utcDay(m[1]!, m[2]!, m[3]!) : undefined;
      if (!m || day === undefined) throw syntax(type, raw);
      return { type, value: day, offset: zone(m[4]) };
    }
    case DATA_TYPES.dateTime: {
      const m = typeof raw === "string" ? DATE_TIME.exec(raw) : null;
      const day = m ? utcDay(m[1]!, m[2]!, m[3]!) : undefined;
      const seconds = m ? secondsOfDay(m[4]!, m[5]!, m[6]!) : undefined;
      if (!m || day === undefined || seconds === undefined) throw syntax(type, raw);
      return { type, value: day + seconds * 1000, offset: zone(m[7]) };
    }
  }
}

/** The data type the JSON Profile (§3.3.1) infers for a value given without `DataType`. */
export function inferType(raw: unknown): DataType | undefined {
  if (typeof raw === "string") return DATA_TYPES.string;
  if (typeof raw === "boolean") return DATA_TYPES.boolean;
  if (typeof raw === "number") return Number.isInteger(raw) ? DATA_TYPES.integer : DATA_TYPES.double;
  return undefined;
}

/** The instant or time of day an atom denotes, zones applied; its value for other types. */
function normalised(atom: Atom, defaultOffset: number): string | number | boolean {
  const offset = atom.offset ?? defaultOffset;
  switch (atom.type) {
    case DATA_TYPES.time:
      // As XML Schema orders times: on one reference day, in UTC, never wrapped around midnight.
      // Wrapped, "20:00" in New York (01:00 UTC) came before "18:00" (23:00 UTC): a `before`
      // bound permitted the evening of any zone west of UTC.
      return (atom.value as number) - offset * 60;
    case DATA_TYPES.dateTime:
      return (atom.value as number) - offset * 60_000;
    default:
      // Dates compare by their calendar day: a zone on a date rarely means what it says.
      return atom.value;
  }
}

/** Whether two atoms of one type are equal (`<type>-equal`). */
export function atomsEqual(a: Atom, b: Atom, defaultOffset = 0): boolean {
  if (a.type !== b.type) return false;
  return normalised(a, defaultOffset) === normalised(b, defaultOffset);
}

/** Negative, zero or positive as `a` orders before, with or after `b` (same type). */
export function compareAtoms(a: Atom, b: Atom, defaultOffset = 0): number {
  const x = normalised(a, defaultOffset);
  const y = normalised(b, defaultOffset);
  if (typeof x === "number" && typeof y === "number") return x - y;
  return x < y ? -1 : x > y ? 1 : 0;
}

const pad = (n: number, width = 2) => String(Math.trunc(n)).padStart(width, "0");

function formatZone(offset: number | undefined): string {
  if (offset === undefined) return "";
  if (offset === 0) return "Z";
  const abs = Math.abs(offset);
  return `${offset < 0 ? "-" : "+"}${pad(abs / 60)}:${pad(abs % 60)}`;
}

function formatSeconds(seconds: number): string {
  const whole = Math.floor(seconds);
  const fraction = seconds - whole;
  const frac = fraction > 0 ? fraction.toFixed(3).slice(1).replace(/0+$/, "") : "";
  return `${pad(whole / 3600)}:${pad((whole % 3600) / 60)}:${pad(whole % 60)}${frac}`;
}

/** An atom as a JSON value: the lexical form for times and dates, numbers and booleans as such. */
export function formatAtom(atom: Atom): string | number | boolean {
  switch (atom.type) {
    case DATA_TYPES.time:
      return `${formatSeconds(atom.value as number)}${formatZone(atom.offset)}`;
    case DATA_TYPES.date:
      return `${new Date(atom.value as number).toISOString().slice(0, 10)}${formatZone(atom.offset)}`;
    case DATA_TYPES.dateTime: {
      const ms = atom.value as number;
      const day = new Date(ms - (((ms % 86_400_000) + 86_400_000) % 86_400_000)).toISOString().slice(0, 10);
      return `${day}T${formatSeconds((((ms / 1000) % 86400) + 86400) % 86400)}${formatZone(atom.offset)}`;
    }
    case DATA_TYPES.double: {
      const n = atom.value as number;
      if (Number.isNaN(n)) return "NaN";
      if (!Number.isFinite(n)) return n > 0 ? "INF" : "-INF";
      return n;
    }
    default:
      return atom.value;
  }
}

/** Shorthands for tests and compilers. */
export const atom = {
  string: (value: string): Atom => ({ type: DATA_TYPES.string, value }),
  boolean: (value: boolean): Atom => ({ type: DATA_TYPES.boolean, value }),
  integer: (value: number): Atom => parseAtom(DATA_TYPES.integer, value),
  double: (value: number): Atom => ({ type: DATA_TYPES.double, value }),
  time: (text: string): Atom => parseAtom(DATA_TYPES.time, text),
  date: (text: string): Atom => parseAtom(DATA_TYPES.date, text),
  dateTime: (text: string): Atom => parseAtom(DATA_TYPES.dateTime, text),
};
