/**
 * The process's side of SHUTDOWN_TIMEOUT (docs/configuration.md#environment), a promise: after
 * SIGTERM/SIGINT, in-flight requests get up to SHUTDOWN_TIMEOUT to finish, then the process exits
 * whatever is left. A worker thread blocked in a system call (`Bun.sleepSync`, `execSync`, a read
 * on a FIFO, a write to a full pipe) ignores `terminate()`; the pool abandons it and the exit ends
 * it.
 */
import { envSchema } from "./constants.ts";
import type { CloseReport } from "./pool/pool.ts";
import type { Logger } from "./util/log.ts";

/**
 * How long past SHUTDOWN_TIMEOUT the process may take: terminated threads get the pool's
 * `closeWaitMs` (1 s) to close, plugins run `onShutdown`, the last log lines are written. Past
 * it, the server exits with status 1 whatever hangs, and the supervisor kills what remains.
 */
export const SHUTDOWN_MARGIN_MS = 3000;

/**
 * Milliseconds from the signal to the forced exit: SHUTDOWN_TIMEOUT from `env` (its schema
 * default when unset or invalid: an invalid one stops the server at start anyway) plus the margin.
 */
export function shutdownDeadlineMs(env: Record<string, string | undefined> = process.env): number {
  const field = envSchema.shape.SHUTDOWN_TIMEOUT;
  const parsed = field.safeParse(env.SHUTDOWN_TIMEOUT || undefined);
  const seconds = parsed.success ? parsed.data : field.parse(undefined);
  return seconds * 1000 + SHUTDOWN_MARGIN_MS;
}

/**
 * The exit status after a shutdown: 0 when every worker thread ended, 1 when threads blocked in
 * a system call were still running (abandoned; the exit is what ends them, and the log names
 * their apps and requests). Requests cut off at SHUTDOWN_TIMEOUT alone do not make it 1: that
 * is the timeout doing its job.
 */
export function exitStatus(report: CloseReport): 0 | 1 {
  return report.leakedThreads > 0 ? 1 : 0;
}

/** How long the last log lines get to be written before an exit that runs no exit handlers. */
const FLUSH_WAIT_MS = 500;

/**
 * Ends the process after a shutdown, with `exitStatus(report)`. When every thread ended, by
 * `process.exit`. With threads still blocked in apps, Bun's `process.exit` can wait on them for
 * good (measured in Bun 1.4.5: a worker blocked writing to a full stdout pipe held it past any
 * deadline), so the log is flushed (for at most FLUSH_WAIT_MS) and the process ends by `hardExit`.
 */
export function exitAfterShutdown(report: CloseReport, logger: Pick<Logger, "flushSync">): never {
  const status = exitStatus(report);
  if (report.leakedThreads === 0) process.exit(status);
  logger.flushSync?.(FLUSH_WAIT_MS);
  return hardExit(status);
}

/**
 * Ends the process now with `status`: the native exit (`process.reallyExit`, internal to Node
 * and Bun), which runs no JavaScript exit handlers and waits on no thread; `process.exit` where
 * it is missing.
 */
export function hardExit(status: number): never {
  const { reallyExit } = process as unknown as { reallyExit?: (code: number) => never };
  if (typeof reallyExit === "function") reallyExit.call(process, status);
  return process.exit(status);
}
