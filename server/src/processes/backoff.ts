/**
 * When the supervisor restarts a crashed server process (`group.ts`): a plain policy, so that
 * its table tests need no processes. The first restart is almost immediate (a one-off crash
 * should cost the machine little capacity); a process that keeps crashing waits twice as long
 * each time, up to a cap, so a crash loop does not eat the CPU its siblings serve with. A process
 * that stayed up for STABLE_MS has recovered: its next crash starts from the first delay again.
 */

/** The first restart's delay. */
export const FIRST_DELAY_MS = 100;
/** The longest a crashed process waits for its restart. */
export const MAX_DELAY_MS = 30_000;
/** Up this long, a process has recovered: its count of quick crashes starts again. */
export const STABLE_MS = 10_000;

/**
 * The count of quick crashes after one more exit: 1 for a process that had been up for
 * STABLE_MS or longer, the previous count plus one otherwise.
 */
export function nextCrashCount(previous: number, upMs: number): number {
  return upMs >= STABLE_MS ? 1 : previous + 1;
}

/** The delay before restarting a process after its `crashes`-th quick crash (1 is the first). */
export function restartDelayMs(crashes: number): number {
  const doublings = Math.max(0, crashes - 1);
  // 2 ** 30 and beyond only overflow towards Infinity: the cap applies long before.
  return Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** Math.min(doublings, 30));
}
