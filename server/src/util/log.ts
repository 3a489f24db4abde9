/**
 * Structured JSON-line logging, one object per line on stderr (stdout for `info`).
 * Kept tiny on purpose: the plugin-host issue may swap it for pino behind this same shape.
 */
export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

type Level = keyof Logger;
const LEVELS: Level[] = ["debug", "info", "warn", "error"];

/** A logger writing JSON lines at or above `level` (env `LOG_LEVEL`, default `info`). */
export function createLogger(level: Level = (process.env.LOG_LEVEL as Level) ?? "info"): Logger {
  const min = Math.max(0, LEVELS.indexOf(level));
  const write = (lvl: Level) => (msg: string, fields?: Record<string, unknown>) => {
    if (LEVELS.indexOf(lvl) < min) return;
    const line = `${JSON.stringify({ level: lvl, time: new Date().toISOString(), msg, ...fields })}\n`;
    if (lvl === "info" || lvl === "debug") process.stdout.write(line);
    else process.stderr.write(line);
  };
  return { debug: write("debug"), info: write("info"), warn: write("warn"), error: write("error") };
}

/** A logger that drops everything (tests, the emulator's quiet mode). */
export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
