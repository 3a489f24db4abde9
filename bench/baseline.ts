/**
 * `bun bench --against <git-ref>`: the runtime as it was at another commit, checked out beside
 * this one, to be measured against the working tree in the same run. Its workspace packages
 * (`@buntime/sdk`, `@buntime/server`, `buntime-emulator`) resolve to its own folders; every
 * other dependency is linked from this checkout's node_modules (they must match closely enough
 * to run, which holds for refs of the same lockfile era).
 */
import { existsSync, mkdirSync, readdirSync, symlinkSync } from "node:fs";
import { join, resolve } from "node:path";

const ROOT = resolve(import.meta.dir, "..");
/** Workspace packages by the node_modules path that names them, and their folder. */
const WORKSPACE_PACKAGES: Record<string, string> = {
  "@buntime/sdk": "sdk",
  "@buntime/server": "server",
  "buntime-emulator": "emulator",
};

export interface Baseline {
  /** The checkout's root: `server/src/index.ts` under it is the runtime to start. */
  readonly root: string;
  /** The commit the ref named. */
  readonly commit: string;
  /** Removes the checkout. Idempotent. */
  remove(): void;
}

/**
 * Checks `ref` out into a detached git worktree under `parent` and links its node_modules.
 * @throws Error naming the ref when git cannot resolve or check it out
 */
export function checkoutBaseline(ref: string, parent: string, repo = ROOT): Baseline {
  const commit = git(repo, ["rev-parse", "--verify", `${ref}^{commit}`], `--against: no commit "${ref}"`).trim();
  mkdirSync(parent, { recursive: true });
  const root = join(parent, `baseline-${commit.slice(0, 12)}`);
  git(repo, ["worktree", "add", "--detach", "--force", root, commit], `--against: cannot check out "${ref}"`);
  linkNodeModules(join(repo, "node_modules"), join(root, "node_modules"), root);
  let removed = false;
  return {
    root,
    commit,
    remove() {
      if (removed) return;
      removed = true;
      Bun.spawnSync(["git", "-C", repo, "worktree", "remove", "--force", root]);
      Bun.spawnSync(["git", "-C", repo, "worktree", "prune"]);
    },
  };
}

/** A node_modules for `root`: its own workspace packages, every other entry linked from `from`. */
function linkNodeModules(from: string, to: string, root: string): void {
  mkdirSync(to, { recursive: true });
  for (const entry of readdirSync(from)) {
    if (entry === "@buntime") continue;
    if (WORKSPACE_PACKAGES[entry] === undefined) symlinkSync(join(from, entry), join(to, entry));
  }
  for (const [name, folder] of Object.entries(WORKSPACE_PACKAGES)) {
    if (!existsSync(join(root, folder))) continue; // a ref from before that package existed
    mkdirSync(join(to, name, ".."), { recursive: true });
    symlinkSync(join(root, folder), join(to, name));
  }
}

function git(repo: string, args: string[], failure: string): string {
  const result = Bun.spawnSync(["git", "-C", repo, ...args], { stderr: "pipe" });
  if (result.exitCode !== 0) throw new Error(`${failure}: ${result.stderr.toString().trim()}`);
  return result.stdout.toString();
}
