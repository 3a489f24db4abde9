/** ReleaseAdmin's answers when the store fails: the contract's 503 STORE_UNAVAILABLE, never a 500. */
import { expect, test } from "bun:test";
import { BuntimeError } from "../errors.ts";
import { VirtualClock } from "../pool/virtual-clock.ts";
import { StoreError } from "../store/keys.ts";
import { type AppRelease, applyChange, EMPTY_RELEASE, type ReleaseStore } from "../store/releases.ts";
import { silentLogger } from "../util/log.ts";
import { ReleaseAdmin } from "./admin.ts";
import { Releases } from "./releases.ts";

test("a write the store took, whose read-back fails (the store went down between), is 503 STORE_UNAVAILABLE", async () => {
  const apps = new Map<string, AppRelease>();
  let down = false;
  const store: ReleaseStore = {
    name: "test",
    async list() {
      if (down) throw new StoreError("STORE_UNAVAILABLE", "the database went away");
      return new Map(apps);
    },
    async change(app, requested, by) {
      const next = applyChange(apps.get(app) ?? EMPTY_RELEASE, requested, by, new Date(0).toISOString());
      if (next) apps.set(app, next);
      down = true; // committed; every read after fails
      return next;
    },
    subscribe: () => () => {},
  };
  const releases = new Releases(store, { clock: new VirtualClock(), logger: silentLogger });
  const admin = new ReleaseAdmin({ versions: () => ["1.0.0"] }, releases);
  const error = await admin.setTag("hello", "beta", { version: "1.0.0" }, "ci").catch((e: unknown) => e);
  expect(error).toBeInstanceOf(BuntimeError);
  expect((error as BuntimeError).code).toBe("STORE_UNAVAILABLE");
});
