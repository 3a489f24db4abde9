/**
 * Marks the server's process non-dumpable (`prctl(PR_SET_DUMPABLE, 0)`): its `/proc/<pid>/`
 * files (`environ`, `mem`, `maps`…) then belong to root, so a process of the same uid (an app
 * worker of a server that is not root) can no longer read the server's environment or memory.
 * Through bun:ffi because neither Bun nor Node expose prctl.
 * @returns an error message when it could not
 */
export function makeNonDumpable(): string | undefined {
  if (process.platform !== "linux") return "prctl is Linux only";
  try {
    const { dlopen, FFIType } = require("bun:ffi") as typeof import("bun:ffi");
    const libc = dlopen("libc.so.6", {
      prctl: { args: [FFIType.i32, FFIType.u64, FFIType.u64, FFIType.u64, FFIType.u64], returns: FFIType.i32 },
    });
    const PR_SET_DUMPABLE = 4;
    const result = libc.symbols.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    libc.close();
    return result === 0 ? undefined : `prctl returned ${result}`;
  } catch (error) {
    return (error as Error).message;
  }
}
