/**
 * Who a process-isolated worker runs as, and what it may read. When the server runs as root,
 * workers run as `BUNTIME_APP_USER` (default `nobody`) with a group of their app's own, so:
 *
 * - `/proc/<server>/environ` and `/mem` are closed to them: the kernel allows those only to the
 *   same uid (or a ptrace-capable one);
 * - an app's folder (`APPS_DIR/<name>`) belongs to `root:<its group>`, mode 0750, files inside
 *   group-readable, none group-writable: its workers read it, cannot change it, and no other
 *   app's workers can enter it;
 * - the server's secrets (the data dir with the key store, the extension config, the policy
 *   file) lose every permission for "others" (`protect`).
 *
 * Not root: workers run as the server's own user; what that leaves open is reported.
 */
import { chmodSync, chownSync, lstatSync, readdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";

/** The uid and gid every app process runs as (gids are per app: see `appGroup`). */
export interface AppUser {
  name: string;
  uid: number;
  gid: number;
}

/** First gid of the range apps' groups come from (above any distribution's system and user ids). */
const APP_GID_BASE = 1_000_000_000;
const APP_GID_SPAN = 1_000_000_000;

/**
 * The group of app `name`: a stable hash into a range no distribution allocates from, so the
 * same app has the same group across restarts (a folder chowned by a previous run stays right).
 * FNV-1a: two app names sharing a group is one chance in 10^9 per pair.
 */
export function appGroup(name: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) {
    hash ^= name.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return APP_GID_BASE + (hash % APP_GID_SPAN);
}

/** Looks `name` (or a numeric uid) up in `/etc/passwd`. */
export function lookupUser(name: string, passwd: string): AppUser | undefined {
  for (const line of passwd.split("\n")) {
    const [user, , uid, gid] = line.split(":");
    if (user === undefined || uid === undefined || gid === undefined) continue;
    if (user === name || uid === name) return { name: user, uid: Number(uid), gid: Number(gid) };
  }
  return undefined;
}

/** Whether `mode` gives group `want` bits. */
const MODE_MASK = 0o7777;

/**
 * Gives app folder `dir` (`APPS_DIR/<name>`) to `root:<gid>`: directories 0750, files keep their
 * owner bits, gain group read (and execute where the owner has it), lose group write and every
 * "other" bit. Symlinks are not followed (a link cannot hand out what it points to). Done before
 * the app's first process starts (and again after a change on disk: a new version).
 */
export function shareWithApp(dir: string, gid: number): void {
  const visit = (path: string) => {
    const stat = lstatSync(path);
    if (stat.isSymbolicLink()) return;
    if (stat.uid !== 0 || stat.gid !== gid) chownSync(path, 0, gid);
    const owner = stat.mode & 0o700;
    const group = stat.isDirectory() ? 0o050 : 0o040 | ((owner & 0o100) >> 3);
    const mode = (stat.mode & MODE_MASK & ~0o077) | group;
    if ((stat.mode & MODE_MASK) !== mode) chmodSync(path, mode);
    if (stat.isDirectory()) for (const entry of readdirSync(path)) visit(join(path, entry));
  };
  visit(dir);
}

/**
 * Throws unless the app user can read everything in `dir` as it is: as "other", or through group
 * `gid` when the entry already has it (folders also enterable). Symbolic links, `node_modules`
 * and dot-entries (`.git`, `.env`, what the catalogue skips too) are not walked, nor is an entry
 * that goes while it is walked. For an app folder the server may not give to the app's group
 * (the emulator's, the author's own); imports from outside the folder are not checked.
 * @throws Error naming the first entry that is not
 */
export function assertReadable(dir: string, gid: number): void {
  const visit = (path: string, top: boolean) => {
    let stat: ReturnType<typeof lstatSync>;
    try {
      stat = lstatSync(path);
    } catch (error) {
      if (!top && (error as NodeJS.ErrnoException).code === "ENOENT") return; // gone meanwhile
      throw error;
    }
    if (stat.isSymbolicLink()) return;
    const asOther = stat.isDirectory() ? 0o005 : 0o004;
    const readable =
      (stat.mode & asOther) === asOther || (stat.gid === gid && (stat.mode & (asOther << 3)) === asOther << 3);
    if (!readable) {
      throw new Error(
        `${path} is not readable by the app user (mode ${(stat.mode & 0o777).toString(8)}): give it o+r${stat.isDirectory() ? "x" : ""}, or run as a user other than root`,
      );
    }
    if (!stat.isDirectory()) return;
    for (const entry of readdirSync(path)) {
      if (entry !== "node_modules" && !entry.startsWith(".")) visit(join(path, entry), false);
    }
  };
  visit(dir, true);
}

/**
 * Throws unless every folder above `dir` lets others through (`o+x`): the app's user must reach
 * its own folder (which it enters as the folder's group). Without this the worker starts and
 * fails to find its own entrypoint, which says nothing of why.
 * @throws Error naming the first folder that does not
 */
export function assertReachable(dir: string): void {
  for (let path = dirname(dir); ; path = dirname(path)) {
    if ((statSync(path).mode & 0o001) === 0) {
      throw new Error(
        `${path} is not enterable by the app user (mode ${(statSync(path).mode & 0o777).toString(8)}): give it o+x`,
      );
    }
    if (path === dirname(path)) return;
  }
}

/**
 * Takes "other" permissions off each path that exists (a secret: the data dir, a config, the
 * policy file), so an app's user cannot read it. Returns the paths changed, for the log.
 */
export function protect(paths: string[]): string[] {
  const changed: string[] = [];
  for (const path of paths) {
    let mode: number;
    try {
      mode = statSync(path).mode & MODE_MASK;
    } catch {
      continue; // not there (yet): created later by the server with its own mode
    }
    if ((mode & 0o007) === 0) continue;
    chmodSync(path, mode & ~0o007);
    changed.push(path);
  }
  return changed;
}
