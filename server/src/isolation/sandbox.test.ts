import { afterEach, describe, expect, test } from "bun:test";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { appGroup, assertReachable, lookupUser, protect, shareWithApp } from "./sandbox.ts";

const PASSWD = "root:x:0:0:root:/root:/bin/bash\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n";
const mode = (path: string) => statSync(path).mode & 0o7777;
let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});
const temp = (): string => {
  const made = mkdtempSync(join(tmpdir(), "sandbox-"));
  dir = made;
  return made;
};

describe("appGroup", () => {
  test("is stable, per name, and in the range no distribution allocates", () => {
    expect(appGroup("hello")).toBe(appGroup("hello"));
    expect(appGroup("hello")).not.toBe(appGroup("hellp"));
    for (const name of ["a", "hello", "x".repeat(64)]) {
      expect(appGroup(name)).toBeGreaterThanOrEqual(1_000_000_000);
      expect(appGroup(name)).toBeLessThan(2_000_000_000);
    }
  });
});

describe("lookupUser", () => {
  test("finds a user by name or uid, and nothing for an unknown one", () => {
    expect(lookupUser("nobody", PASSWD)).toEqual({ name: "nobody", uid: 65534, gid: 65534 });
    expect(lookupUser("65534", PASSWD)?.name).toBe("nobody");
    expect(lookupUser("ghost", PASSWD)).toBeUndefined();
  });
});

describe.if(process.getuid?.() === 0)("as root", () => {
  test("shareWithApp: root:<gid>, dirs 0750, files group-readable, nothing for others, no group write", () => {
    const app = join(temp(), "app");
    mkdirSync(join(app, "1.0.0", "lib"), { recursive: true, mode: 0o777 });
    writeFileSync(join(app, "1.0.0", "index.ts"), "", { mode: 0o666 });
    writeFileSync(join(app, "1.0.0", "lib", "run.sh"), "", { mode: 0o755 });
    writeFileSync(join(app, "1.0.0", "secret"), "", { mode: 0o600 });
    chmodSync(join(app, "1.0.0", "lib"), 0o777);
    shareWithApp(app, 1_234_567_890);
    expect(statSync(join(app, "1.0.0", "index.ts")).gid).toBe(1_234_567_890);
    expect(mode(app)).toBe(0o750);
    expect(mode(join(app, "1.0.0", "lib"))).toBe(0o750);
    expect(mode(join(app, "1.0.0", "index.ts"))).toBe(0o640);
    expect(mode(join(app, "1.0.0", "lib", "run.sh"))).toBe(0o750);
    expect(mode(join(app, "1.0.0", "secret"))).toBe(0o640);
  });
});

test("protect takes the 'other' bits off what exists, and says what it changed", () => {
  const root = temp();
  const open = join(root, "open.json");
  const closed = join(root, "closed.json");
  writeFileSync(open, "", { mode: 0o644 });
  writeFileSync(closed, "", { mode: 0o600 });
  chmodSync(open, 0o644);
  expect(protect([open, closed, join(root, "missing")])).toEqual([open]);
  expect(mode(open)).toBe(0o640);
  expect(mode(closed)).toBe(0o600);
});

test("assertReachable names the first folder above an app that others cannot enter", () => {
  const root = temp();
  const app = join(root, "apps", "hello");
  mkdirSync(app, { recursive: true });
  chmodSync(root, 0o755);
  chmodSync(join(root, "apps"), 0o700);
  expect(() => assertReachable(app)).toThrow(`${join(root, "apps")} is not enterable by the app user (mode 700)`);
  chmodSync(join(root, "apps"), 0o711);
  expect(() => assertReachable(app)).not.toThrow();
});
