/**
 * The release store's interface (docs/releases.md): per app, its tags (npm's dist-tags), its
 * traffic split and the history of changes to both. Same conventions as the key store
 * (README.md): async, fresh reads, `subscribe` for changes. The rules of a change
 * (`applyChange`) are a pure function here, so every backend applies them alike.
 */
import valid from "semver/functions/valid";
import validRange from "semver/ranges/valid";
import { z } from "zod";

/** A tag's name: a lowercase word that can never be read as a semver range (checked apart). */
export const TAG_NAME = /^[a-z][a-z0-9-]{0,31}$/;

/** Whether `tag` is a tag name: the pattern, and not a semver range (`x` is `*`, `v1` is `1.x`). */
export function isTagName(tag: string): boolean {
  return TAG_NAME.test(tag) && validRange(tag) === null;
}

/** History entries kept per app, newest kept: older ones are dropped as new ones come. */
export const HISTORY_KEPT = 1000;

/** The most tags an app may have: each write rewrites the app's state, which every node reads. */
export const MAX_TAGS = 64;

/** The most versions a traffic split may name (each is hashed per unversioned request). */
export const MAX_SPLIT_VERSIONS = 16;

const version = z.string().refine((v) => valid(v) === v, "not a semver version");

/** Tag → version. */
export const tagsSchema = z.record(z.string().refine(isTagName, "not a tag name"), version);

/** Version → integer weight, summing to 100. */
export const trafficSchema = z
  .record(version, z.number().int("a weight is an integer").min(0).max(100))
  .refine((w) => Object.keys(w).length >= 1 && Object.keys(w).length <= MAX_SPLIT_VERSIONS, {
    message: `a split names 1 to ${MAX_SPLIT_VERSIONS} versions`,
  })
  .refine((w) => Object.values(w).reduce((a, b) => a + b, 0) === 100, { message: "the weights must sum to 100" });
export type Traffic = z.output<typeof trafficSchema>;

/** One change, as requested and as recorded in the history. */
export const releaseChangeSchema = z.discriminatedUnion("action", [
  z.strictObject({ action: z.literal("tag"), tag: z.string(), version, previous: version.nullable() }),
  z.strictObject({ action: z.literal("untag"), tag: z.string(), previous: version.nullable() }),
  z.strictObject({ action: z.literal("traffic"), traffic: trafficSchema, previous: trafficSchema.nullable() }),
  z.strictObject({ action: z.literal("end-traffic"), previous: trafficSchema.nullable() }),
]);
export type ReleaseChange = z.output<typeof releaseChangeSchema>;

/** What a change asks for, before the store fills in `previous`. */
export type RequestedChange =
  | { action: "tag"; tag: string; version: string }
  | { action: "untag"; tag: string }
  | { action: "traffic"; traffic: Traffic }
  | { action: "end-traffic" };

/** One history entry: when, who (key name, token subject or "admin-token") and what. */
export const historyEntrySchema = z.strictObject({
  at: z.iso.datetime(),
  by: z.string(),
  change: releaseChangeSchema,
});
export type HistoryEntry = z.output<typeof historyEntrySchema>;

/** One app's release state. */
export const appReleaseSchema = z.strictObject({
  tags: tagsSchema,
  traffic: trafficSchema.nullable(),
  /** Newest first, at most HISTORY_KEPT. */
  history: z.array(historyEntrySchema),
});
export type AppRelease = z.output<typeof appReleaseSchema>;

/** The file's (and later the table's) content, versioned so that a format change is detectable. */
export const releaseFileSchema = z.strictObject({
  version: z.literal(1),
  apps: z.record(z.string(), appReleaseSchema),
});

/** An app with nothing set. */
export const EMPTY_RELEASE: AppRelease = Object.freeze({ tags: {}, traffic: null, history: [] });

/**
 * The version `tag` points at, own properties only: `constructor` is a valid tag name, and
 * `tags.constructor` of an app without that tag is Object's function (which once went into the
 * history and made the whole release file unreadable).
 */
function tagOf(release: AppRelease, tag: string): string | undefined {
  return Object.hasOwn(release.tags, tag) ? release.tags[tag] : undefined;
}

/**
 * The state after `change`, with the history entry first (bounded), or `undefined` when the change
 * changes nothing that exists (untagging a tag that is not there: the caller answers 404).
 * Pure; every backend applies changes through it.
 */
export function applyChange(
  current: AppRelease,
  requested: RequestedChange,
  by: string,
  at: string,
): AppRelease | undefined {
  let next: Omit<AppRelease, "history">;
  let change: ReleaseChange;
  switch (requested.action) {
    case "tag":
      next = { tags: { ...current.tags, [requested.tag]: requested.version }, traffic: current.traffic };
      change = { ...requested, previous: tagOf(current, requested.tag) ?? null };
      break;
    case "untag": {
      const previous = tagOf(current, requested.tag);
      if (previous === undefined) return undefined;
      const { [requested.tag]: _, ...tags } = current.tags;
      next = { tags, traffic: current.traffic };
      change = { ...requested, previous };
      break;
    }
    case "traffic":
      next = { tags: current.tags, traffic: requested.traffic };
      change = { ...requested, previous: current.traffic };
      break;
    case "end-traffic":
      if (current.traffic === null) return undefined;
      next = { tags: current.tags, traffic: null };
      change = { action: "end-traffic", previous: current.traffic };
      break;
  }
  return { ...next, history: [{ at, by, change }, ...current.history].slice(0, HISTORY_KEPT) };
}

/** Where tags, traffic and history live: a file today, the shared store with the cluster issue. */
export interface ReleaseStore {
  /** For messages: the file path, or the database. */
  readonly name: string;
  /** Every app's release state as stored now (another process's changes included). */
  list(): Promise<ReadonlyMap<string, AppRelease>>;
  /**
   * Applies one change to `app` atomically and records it (`by`, now): the new state, or
   * `undefined` when there was nothing to change (`applyChange`).
   * @throws StoreError STORE_UNAVAILABLE
   */
  change(app: string, requested: RequestedChange, by: string): Promise<AppRelease | undefined>;
  /** Called after the stored state changed; returns the unsubscribe function. */
  subscribe(listener: () => void): () => void;
}

/** What holds `version` in `release` (a tag or the split), for refusing its deletion; undefined when nothing. */
export function holderIn(release: AppRelease, version: string): string | undefined {
  for (const [tag, tagged] of Object.entries(release.tags)) if (tagged === version) return `the tag "${tag}"`;
  // A weight of 0 routes nothing (compileSplit drops it): the split does not hold that version.
  if (release.traffic && Object.hasOwn(release.traffic, version) && (release.traffic[version] ?? 0) > 0) {
    return "the traffic split";
  }
  return undefined;
}

/** The versions a change points at (a tag's, a split's): each must exist when it is applied. */
export function versionsNamed(change: RequestedChange): string[] {
  if (change.action === "tag") return [change.version];
  if (change.action === "traffic") return Object.keys(change.traffic);
  return [];
}
