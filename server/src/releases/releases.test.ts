import { describe, expect, test } from "bun:test";
import { VirtualClock } from "../pool/virtual-clock.ts";
import {
  type AppRelease,
  applyChange,
  EMPTY_RELEASE,
  type ReleaseStore,
  type RequestedChange,
} from "../store/releases.ts";
import { silentLogger } from "../util/log.ts";
import { POLL_MS, Releases } from "./releases.ts";

/** A store in memory that counts reads and can fail them. */
function memoryStore() {
  const apps = new Map<string, AppRelease>();
  const listeners = new Set<() => void>();
  const store = {
    reads: 0,
    failing: false,
    name: "memory",
    async list() {
      store.reads++;
      if (store.failing) throw new Error("down");
      return new Map(apps);
    },
    async change(app: string, requested: RequestedChange, by: string) {
      const next = applyChange(apps.get(app) ?? EMPTY_RELEASE, requested, by, new Date(0).toISOString());
      if (next) apps.set(app, next);
      return next;
    },
    subscribe(listener: () => void) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    /** Another writer: the store changes without this node's write. */
    behind(app: string, requested: RequestedChange) {
      const next = applyChange(apps.get(app) ?? EMPTY_RELEASE, requested, "other", new Date(0).toISOString());
      if (next) apps.set(app, next);
    },
    notify() {
      for (const l of listeners) l();
    },
  };
  return store satisfies ReleaseStore & Record<string, unknown>;
}

describe("Releases", () => {
  test("an app with nothing set has no route; tags and a split compile; holderOf names what holds a version", async () => {
    const store = memoryStore();
    const releases = new Releases(store, { clock: new VirtualClock(), logger: silentLogger });
    await releases.start();
    expect(releases.route("hello")).toBeUndefined();
    await store.change("hello", { action: "tag", tag: "latest", version: "1.0.0" }, "t");
    await store.change("hello", { action: "traffic", traffic: { "1.0.0": 10, "2.0.0": 90 } }, "t");
    await releases.refresh();
    expect(releases.route("hello")).toMatchObject({ latest: "1.0.0", split: { versions: ["1.0.0", "2.0.0"] } });
    expect(releases.holderOf("hello", "1.0.0")).toBe('the tag "latest"');
    expect(releases.holderOf("hello", "2.0.0")).toBe("the traffic split");
    expect(releases.holderOf("hello", "3.0.0")).toBeUndefined();
    releases.close();
  });

  test("another writer's change is seen on the store's notice, and without one by the poll", async () => {
    const store = memoryStore();
    const clock = new VirtualClock();
    const releases = new Releases(store, { clock, logger: silentLogger });
    await releases.start();
    store.behind("a", { action: "tag", tag: "latest", version: "1.0.0" });
    store.notify();
    await releases.refresh(); // joins the read the notice started
    expect(releases.route("a")?.latest).toBe("1.0.0");
    store.behind("b", { action: "tag", tag: "latest", version: "2.0.0" });
    expect(releases.route("b")).toBeUndefined();
    await clock.advance(POLL_MS);
    // The poll's read is a resolved promise away (no event says it is done; refresh() would read itself).
    await Bun.sleep(0);
    expect(releases.route("b")?.latest).toBe("2.0.0");
    releases.close();
    const reads = store.reads;
    await clock.advance(POLL_MS * 5);
    expect(store.reads).toBe(reads);
  });

  test("a store that fails keeps the last state read routing", async () => {
    const store = memoryStore();
    const clock = new VirtualClock();
    await store.change("a", { action: "tag", tag: "latest", version: "1.0.0" }, "t");
    const releases = new Releases(store, { clock, logger: silentLogger });
    await releases.start();
    store.failing = true;
    await clock.advance(POLL_MS);
    await Bun.sleep(0);
    expect(releases.route("a")?.latest).toBe("1.0.0");
    await expect(releases.refresh()).rejects.toThrow("down");
    releases.close();
  });
});
