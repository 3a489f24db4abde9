import { describe, expect, test } from "bun:test";
import { EMPTY_RELEASE } from "../store/releases.ts";
import { chooseRange, STICKY_COOKIE, stickyCookie } from "./choose.ts";
import type { AppRoute } from "./releases.ts";
import { compileSplit } from "./split.ts";

const VERSIONS = ["1.0.0", "2.0.0", "2.1.0"];
const route = (over: Partial<AppRoute>): AppRoute => ({
  tags: {},
  latest: undefined,
  split: undefined,
  release: EMPTY_RELEASE,
  ...over,
});
const headers = (init: Record<string, string> = {}) => new Headers(init);

describe("chooseRange", () => {
  test("a tag in the path is its version; any other range passes as it is; own keys only", () => {
    const r = route({ tags: { beta: "2.1.0" } });
    expect(chooseRange(r, "beta", headers(), VERSIONS)).toEqual({ range: "2.1.0", newSticky: undefined });
    expect(chooseRange(r, "^1", headers(), VERSIONS).range).toBe("^1");
    for (const key of ["constructor", "__proto__", "toString", "hasOwnProperty"]) {
      expect(chooseRange(r, key, headers(), VERSIONS).range).toBe(key);
    }
  });

  test("no range: latest when it is on disk, else the catalogue's default (undefined)", () => {
    expect(chooseRange(route({ latest: "1.0.0" }), undefined, headers(), VERSIONS).range).toBe("1.0.0");
    expect(chooseRange(route({ latest: "9.0.0" }), undefined, headers(), VERSIONS).range).toBeUndefined();
  });

  test("a split wins over latest; the header wins over the cookie; neither gets a new sticky key", () => {
    const split = compileSplit({ "1.0.0": 50, "2.0.0": 50 });
    const r = route({ latest: "2.1.0", split });
    const byHeader = chooseRange(r, undefined, headers({ "x-buntime-sticky": "abc" }), VERSIONS);
    expect(["1.0.0", "2.0.0"]).toContain(byHeader.range as string);
    expect(byHeader.newSticky).toBeUndefined();
    // The same key as a cookie lands on the same version; a header overrides the cookie.
    const cookie = { cookie: `a=1; ${STICKY_COOKIE}=abc; b=2` };
    expect(chooseRange(r, undefined, headers(cookie), VERSIONS).range).toBe(byHeader.range as string);
    const fresh = chooseRange(r, undefined, headers(), VERSIONS);
    expect(fresh.newSticky).toMatch(/^[0-9a-f-]{36}$/);
    expect(chooseRange(r, undefined, headers({ "x-buntime-sticky": fresh.newSticky as string }), VERSIONS).range).toBe(
      fresh.range as string,
    );
  });

  test("split versions gone from disk are skipped; with none left, latest decides and no cookie is set", () => {
    const r = route({ latest: "2.1.0", split: compileSplit({ "1.0.0": 50, "2.0.0": 50 }) });
    expect(chooseRange(r, undefined, headers({ "x-buntime-sticky": "k" }), ["2.0.0", "2.1.0"]).range).toBe("2.0.0");
    expect(chooseRange(r, undefined, headers(), ["2.1.0"])).toEqual({ range: "2.1.0", newSticky: undefined });
  });

  test("the cookie is scoped to the app's path, HttpOnly, SameSite=Lax", () => {
    expect(stickyCookie("hello", "k1")).toBe("buntime-sticky=k1; Path=/hello; HttpOnly; SameSite=Lax");
  });
});
