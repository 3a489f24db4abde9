import pino from "pino";

/**
 * The runtime's logger: structured JSON lines (pino) on stdout, level from `LOG_LEVEL`
 * (default `info`). This small interface keeps call sites as `log.info(msg, fields)`.
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

const LEVELS = ["trace", "debug", "info", "warn", "error", "fatal", "silent"] as const;

/** A pino logger writing JSON lines to `destination` (default stdout). */
export function createLogger(
  level: string = process.env.LOG_LEVEL ?? "info",
  destination: pino.DestinationStream = pino.destination({ fd: 1, sync: false }),
): Logger {
  const lvl = (LEVELS as readonly string[]).includes(level) ? level : "info";
  const base = pino(
    {
      level: lvl,
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
