import { describe, expect, test } from "bun:test";
import { MAX_SESSIONS, MAX_SESSIONS_PER_CREDENTIAL, SESSION_TTL_MS, SessionStore } from "./sessions.ts";

describe("SessionStore", () => {
  test("an opened session is found by its id until it is closed", () => {
    const store = new SessionStore();
    const id = store.open("api-key", "h1");
    expect(id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(store.get(id)).toMatchObject({ credential: "api-key", hash: "h1" });
    store.close(id);
    expect(store.get(id)).toBeUndefined();
    store.close(id); // idempotent
  });

  test("ids are random: never the same twice", () => {
    const store = new SessionStore();
    const ids = new Set(Array.from({ length: 200 }, () => store.open("admin-token", "h")));
    expect(ids.size).toBe(200);
  });

  test("a session expires SESSION_TTL_MS after sign-in, and is then forgotten", () => {
    let now = 1_000_000;
    const store = new SessionStore(() => now);
    const id = store.open("api-key", "h");
    now += SESSION_TTL_MS - 1;
    expect(store.get(id)).toBeDefined();
    now += 1;
    expect(store.get(id)).toBeUndefined();
    expect(store.size).toBe(0);
  });

  test("malformed or unknown ids are no session", () => {
    const store = new SessionStore();
    store.open("api-key", "h");
    for (const id of ["", "x", "A".repeat(43), `${"A".repeat(42)}!`, "A".repeat(10_000)]) {
      expect(store.get(id)).toBeUndefined();
    }
  });

  test("bounded: past MAX_SESSIONS the oldest sign-ins are forgotten", () => {
    const store = new SessionStore();
    const first = store.open("api-key", "h");
    for (let i = 0; i < MAX_SESSIONS * 2; i++) store.open("api-key", "h");
    expect(store.size).toBeLessThanOrEqual(MAX_SESSIONS);
    expect(store.get(first)).toBeUndefined();
  });

  test("one credential's sign-ins cannot sign the others out: past its share, its own oldest go", () => {
    const store = new SessionStore();
    const admin = store.open("admin-token", "admin-hash");
    const viewerFirst = store.open("api-key", "viewer-hash");
    for (let i = 0; i < MAX_SESSIONS * 2; i++) store.open("api-key", "viewer-hash");
    expect(store.get(admin)).toMatchObject({ credential: "admin-token" });
    expect(store.get(viewerFirst)).toBeUndefined();
    expect(store.size).toBe(MAX_SESSIONS_PER_CREDENTIAL + 1);
  });
});
