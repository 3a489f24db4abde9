/**
 * The release operations (docs/releases.md), validated and applied: what the `/_/apps` routes
 * answer and what the emulator's `emu.tag`/`emu.traffic` call. Every write checks the app and
 * its versions on disk, a tag's name and the split's weights (400 REQUEST_INVALID, nothing
 * changed), is applied and recorded by the store, and refreshes this node's routing before it
 * returns, so the change is served from the moment of the answer.
 */
import { formatIssues } from "@buntime/sdk";
import sort from "semver/functions/sort";
import { z } from "zod";
import { BuntimeError } from "../errors.ts";
import { StoreError } from "../store/keys.ts";
import {
  type AppRelease,
  EMPTY_RELEASE,
  type HistoryEntry,
  isTagName,
  MAX_TAGS,
  type RequestedChange,
  trafficSchema,
} from "../store/releases.ts";
import type { Releases } from "./releases.ts";

/** `GET /_/apps/<name>` and the answer to every write. */
export interface AppReleaseState {
  name: string;
  /** On disk, semver order. */
  versions: string[];
  tags: Record<string, string>;
  traffic: Record<string, number> | null;
}

const tagBody = z.strictObject({ version: z.string() });

function invalid(message: string): BuntimeError {
  return new BuntimeError("REQUEST_INVALID", message);
}

/**
 * See the file's comment. `catalog`: what is on disk. `catchUp`: brings the disk up to the store
 * (a cluster): a version another node just accepted may not be in this node's cache yet, and a
 * client behind a load balancer deploys through one node and tags through the next.
 */
export class ReleaseAdmin {
  constructor(
    readonly catalog: { versions(name: string): readonly string[] | undefined },
    readonly releases: Releases,
    readonly catchUp: () => Promise<void> = async () => {},
  ) {}

  /** @throws BuntimeError APP_NOT_FOUND, STORE_UNAVAILABLE */
  async read(name: string): Promise<AppReleaseState> {
    return this.#describe(name, this.#versionsOf(name), await this.#current(name));
  }

  /** Newest first. @throws BuntimeError APP_NOT_FOUND, STORE_UNAVAILABLE */
  async history(name: string): Promise<HistoryEntry[]> {
    this.#versionsOf(name);
    return (await this.#current(name)).history;
  }

  /** Sets `tag` to `body.version`. @throws BuntimeError REQUEST_INVALID, APP_NOT_FOUND, STORE_UNAVAILABLE */
  async setTag(name: string, tag: string, body: unknown, by: string): Promise<AppReleaseState> {
    let versions = await this.#versionsWith(name, []);
    if (!isTagName(tag)) {
      throw invalid(
        `"${tag.slice(0, 40)}" is not a tag name: 1-32 of a-z 0-9 -, starting with a letter, and never a semver range`,
      );
    }
    const parsed = tagBody.safeParse(body);
    if (!parsed.success) throw invalid(`invalid tag: ${formatIssues(parsed.error)}`);
    const { version } = parsed.data;
    versions = await this.#versionsWith(name, [version]);
    if (!versions.includes(version)) throw invalid(`${name} has no version "${version.slice(0, 80)}"`);
    const { tags } = await this.#current(name);
    if (!Object.hasOwn(tags, tag) && Object.keys(tags).length >= MAX_TAGS) {
      throw invalid(`${name} has ${MAX_TAGS} tags, the most an app may have: delete one first`);
    }
    return this.#write(name, versions, { action: "tag", tag, version }, by);
  }

  /** Removes `tag`. @throws BuntimeError NOT_FOUND (no such tag), APP_NOT_FOUND, STORE_UNAVAILABLE */
  async deleteTag(name: string, tag: string, by: string): Promise<AppReleaseState> {
    const versions = this.#versionsOf(name);
    if (!Object.hasOwn((await this.#current(name)).tags, tag)) {
      throw new BuntimeError("NOT_FOUND", `${name} has no tag "${tag.slice(0, 40)}"`);
    }
    return this.#write(name, versions, { action: "untag", tag }, by);
  }

  /** Sets the split. @throws BuntimeError REQUEST_INVALID, APP_NOT_FOUND, STORE_UNAVAILABLE */
  async setTraffic(name: string, body: unknown, by: string): Promise<AppReleaseState> {
    await this.#versionsWith(name, []);
    const parsed = trafficSchema.safeParse(body);
    if (!parsed.success) throw invalid(`invalid traffic split: ${formatIssues(parsed.error)}`);
    const versions = await this.#versionsWith(name, Object.keys(parsed.data));
    const unknown = Object.keys(parsed.data).filter((v) => !versions.includes(v));
    if (unknown.length > 0) throw invalid(`${name} has no version ${unknown.map((v) => `"${v}"`).join(", ")}`);
    return this.#write(name, versions, { action: "traffic", traffic: parsed.data }, by);
  }

  /** Ends the split; with none, the state as it is (nothing recorded). */
  async endTraffic(name: string, by: string): Promise<AppReleaseState> {
    return this.#write(name, this.#versionsOf(name), { action: "end-traffic" }, by);
  }

  /**
   * The app's versions, once more after catching up with the store when the app or one of
   * `wanted` is not known here yet. @throws BuntimeError APP_NOT_FOUND
   */
  async #versionsWith(name: string, wanted: readonly string[]): Promise<string[]> {
    const known = this.catalog.versions(name);
    if (known && wanted.every((v) => known.includes(v))) return sort([...known]);
    await this.catchUp();
    return this.#versionsOf(name);
  }

  #versionsOf(name: string): string[] {
    const versions = this.catalog.versions(name);
    if (!versions) throw new BuntimeError("APP_NOT_FOUND", `no app named "${name.slice(0, 80)}"`);
    return sort([...versions]);
  }

  async #current(name: string): Promise<AppRelease> {
    return (await storeCall(() => this.releases.store.list())).get(name) ?? EMPTY_RELEASE;
  }

  #describe(name: string, versions: string[], release: AppRelease): AppReleaseState {
    return { name, versions, tags: { ...release.tags }, traffic: release.traffic && { ...release.traffic } };
  }

  async #write(name: string, versions: string[], change: RequestedChange, by: string): Promise<AppReleaseState> {
    const next = await storeCall(() => this.releases.store.change(name, change, by));
    // Committed; a store that cannot be read back now is still the store's failure (503), not ours.
    await storeCall(() => this.releases.refresh());
    return this.#describe(name, versions, next ?? (await this.#current(name)));
  }
}

/** A store failure as the contract's error: 503 STORE_UNAVAILABLE (docs/errors.md). */
async function storeCall<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof StoreError && error.code === "VERSION_MISSING") throw invalid(error.message);
    if (error instanceof StoreError) throw new BuntimeError("STORE_UNAVAILABLE", error.message);
    throw error;
  }
}
