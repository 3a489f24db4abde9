/**
 * The worker → host `log` message (docs/logs.md): the lines an app wrote in one turn, and how
 * many it wrote beyond its rate since the last one. A zod schema (the source of truth, part of
 * `guestMessage`) and its hand-written hot-path twin `isLogMessage` (a logging app posts one
 * per turn), held to the same answers by `guest-messages.test.ts`. App code can post anything:
 * every bound the guest applies is checked again here.
 */
import { z } from "zod";

/** The levels, lowest first: a `level` filter keeps that level and those after it. */
export const LOG_LEVELS = ["debug", "info", "warn", "error"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Characters of a line's message, at most (the guest cuts at 8 KiB and marks the cut). */
export const MAX_MESSAGE_CHARS = 8 * 1024 + 16;
/** Lines in one message, at most (the guest holds at most its burst between turns). */
export const MAX_LINES_PER_MESSAGE = 1024;
/** A request id (`x-request-id` as the pipeline accepts it) or a traceparent, at most. */
const MAX_TAG_CHARS = 256;

export const logLineSchema = z.strictObject({
  level: z.enum(LOG_LEVELS),
  /** When the app wrote it: milliseconds since the epoch. */
  time: z.number().int().min(0),
  message: z.string().max(MAX_MESSAGE_CHARS),
  requestId: z.string().max(MAX_TAG_CHARS).optional(),
  traceparent: z.string().max(MAX_TAG_CHARS).optional(),
});
export type LogLine = z.output<typeof logLineSchema>;

export const logMessage = z.object({
  type: z.literal("log"),
  lines: z.array(logLineSchema).max(MAX_LINES_PER_MESSAGE),
  /** Lines dropped (over the rate, or waiting too many) since the worker's last `log`. */
  dropped: z.number().int().min(0),
});
export type LogMessage = z.output<typeof logMessage>;

const LEVELS: ReadonlySet<unknown> = new Set(LOG_LEVELS);
const LINE_KEYS: ReadonlySet<string> = new Set(["level", "time", "message", "requestId", "traceparent"]);

const isTag = (value: unknown) => value === undefined || (typeof value === "string" && value.length <= MAX_TAG_CHARS);

function isLogLine(value: unknown): boolean {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const line = value as Record<string, unknown>;
  for (const key in line) if (!LINE_KEYS.has(key)) return false;
  return (
    LEVELS.has(line.level) &&
    Number.isSafeInteger(line.time) &&
    (line.time as number) >= 0 &&
    typeof line.message === "string" &&
    line.message.length <= MAX_MESSAGE_CHARS &&
    isTag(line.requestId) &&
    isTag(line.traceparent)
  );
}

/** `logMessage`'s rules, hand-written (see the file's comment). `m.type` is "log" already. */
export function isLogMessage(m: Record<string, unknown>): boolean {
  const { lines, dropped } = m;
  if (!Array.isArray(lines) || lines.length > MAX_LINES_PER_MESSAGE) return false;
  if (!Number.isSafeInteger(dropped) || (dropped as number) < 0) return false;
  for (const line of lines) if (!isLogLine(line)) return false;
  return true;
}
