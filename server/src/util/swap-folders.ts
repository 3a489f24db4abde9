/**
 * Swaps two paths in one system call: Linux's `renameat2(RENAME_EXCHANGE)`, through `bun:ffi`
 * (Node's `fs` has no binding for it, nor does any package Bun can load without a native build).
 * Replacing a version folder by two renames leaves a moment with neither (a listing, a request or
 * a worker start in it sees no version) and, killed between them, both out of place; the swap has
 * neither. Returns false where it cannot be done (not Linux with glibc, a filesystem without it,
 * a path missing): the caller then falls back to two renames.
 */
import { dlopen, FFIType } from "bun:ffi";

/** `AT_FDCWD`: paths relative to the working folder (absolute ones ignore it). */
const AT_FDCWD = -100;
const RENAME_EXCHANGE = 2;

type Renameat2 = (fromDir: number, from: Buffer, toDir: number, to: Buffer, flags: number) => number;
let renameat2: Renameat2 | null | undefined;

function load(): Renameat2 | null {
  if (process.platform !== "linux") return null;
  try {
    const libc = dlopen("libc.so.6", {
      renameat2: {
        args: [FFIType.i32, FFIType.cstring, FFIType.i32, FFIType.cstring, FFIType.u32],
        returns: FFIType.i32,
      },
    });
    return libc.symbols.renameat2 as unknown as Renameat2;
  } catch {
    return null;
  }
}

/** Swaps `a` and `b` (both must exist) atomically; false when this system cannot. */
export function swapFolders(a: string, b: string): boolean {
  if (renameat2 === undefined) renameat2 = load();
  if (renameat2 === null) return false;
  return renameat2(AT_FDCWD, Buffer.from(`${a}\0`), AT_FDCWD, Buffer.from(`${b}\0`), RENAME_EXCHANGE) === 0;
}
