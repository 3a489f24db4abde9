import { afterAll, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { checkoutBaseline } from "./baseline.ts";

const ROOT = resolve(import.meta.dir, "..");
mkdirSync(join(ROOT, ".tmp"), { recursive: true });
const parent = mkdtempSync(join(ROOT, ".tmp", "baseline-test-"));
afterAll(() => rmSync(parent, { recursive: true, force: true }));

const worktrees = () => Bun.spawnSync(["git", "-C", ROOT, "worktree", "list"]).stdout.toString();

test("a ref is checked out beside this one, with its own workspace packages, and removed again", () => {
  const baseline = checkoutBaseline("HEAD", parent);
  try {
    expect(baseline.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(existsSync(join(baseline.root, "server/src/index.ts"))).toBe(true);
    const modules = join(baseline.root, "node_modules");
    // Its own packages resolve to its own folders; other dependencies to this checkout's.
    expect(realpathSync(join(modules, "@buntime/sdk"))).toBe(realpathSync(join(baseline.root, "sdk")));
    expect(realpathSync(join(modules, "buntime-emulator"))).toBe(realpathSync(join(baseline.root, "emulator")));
    expect(realpathSync(join(modules, "hono"))).toBe(realpathSync(join(ROOT, "node_modules/hono")));
    expect(worktrees()).toContain(baseline.root);
  } finally {
    baseline.remove();
    baseline.remove(); // idempotent
  }
  expect(existsSync(baseline.root)).toBe(false);
  expect(worktrees()).not.toContain(baseline.root);
});

test("a ref git does not know is refused, naming it", () => {
  expect(() => checkoutBaseline("no-such-ref-here", parent)).toThrow('--against: no commit "no-such-ref-here"');
});
