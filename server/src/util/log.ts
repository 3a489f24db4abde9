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
}

/** The levels `LOG_LEVEL` may name (pino's), least severe first; `silent` writes nothing. */
export const LOG_LEVELS = ["trace", "debug", "info", "warn", "error", "fatal", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** A pino logger writing JSON lines at `level` and above to `destination` (default stdout). */
export function createLogger(
  level: LogLevel = "info",
  destination: pino.DestinationStream = pino.destination({ fd: 1, sync: false }),
): Logger {
  const base = pino(
    {
      level,
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
  return wrap(base);
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
