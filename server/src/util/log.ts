import pino from "pino";

/**
 * The runtime's logger: structured JSON lines (pino) on stdout, at the level `LOG_LEVEL` names
 * (validated with the rest of the environment in `constants.ts`). This small interface keeps
 * call sites as `log.info(msg, fields)`.
 */
export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  /** A logger whose lines all carry `fields` (e.g. a plugin's name). */
  child(fields: Record<string, unknown>): Logger;
  /** Whether lines at `level` are written (skip building fields that would be dropped). */
  isLevelEnabled(level: "debug" | "info" | "warn" | "error"): boolean;
  /**
   * Writes the lines buffered so far, synchronously (before an exit that runs no exit handlers),
   * giving up after about `withinMs` if the output takes nothing (a full pipe nobody reads).
   */
  flushSync?(withinMs: number): void;
}

/** The levels `LOG_LEVEL` may name (pino's), least severe first; `silent` writes nothing. */
export const LOG_LEVELS = ["trace", "debug", "info", "warn", "error", "fatal", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** A pino logger writing JSON lines at `level` and above to `destination` (default stdout). */
export function createLogger(level: LogLevel = "info", destination?: pino.DestinationStream): Logger {
  // A write that finds stdout full (EAGAIN) is retried until it goes, except in a final flushSync.
  let giveUpAt = Number.POSITIVE_INFINITY;
  const stdout = destination
    ? undefined
    : pino.destination({ fd: 1, sync: false, retryEAGAIN: () => Date.now() < giveUpAt });
  const base = pino(
    {
      level,
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination ?? stdout,
  );
  const flushSync = (withinMs: number) => {
    giveUpAt = Date.now() + withinMs;
    try {
      stdout?.flushSync();
    } catch {
      // Still full after `withinMs`: those lines are lost, the exit must not wait for them.
    }
  };
  return { ...wrap(base), flushSync };
}

function wrap(log: pino.Logger): Logger {
  return {
    debug: (msg, fields) => log.debug(fields ?? {}, msg),
    info: (msg, fields) => log.info(fields ?? {}, msg),
    warn: (msg, fields) => log.warn(fields ?? {}, msg),
    error: (msg, fields) => log.error(fields ?? {}, msg),
    child: (fields) => wrap(log.child(fields)),
    isLevelEnabled: (level) => log.isLevelEnabled(level),
  };
}

/** A logger that drops everything (tests, the emulator's quiet mode). */
export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child: () => silentLogger,
  isLevelEnabled: () => false,
};
