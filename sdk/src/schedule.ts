import { Cron } from "croner";

/**
 * The fields of a cron expression as croner numbers them (a five-field expression is read with
 * `0` seconds in front), for errors that name the field at fault.
 */
const FIELDS = ["second", "minute", "hour", "day of month", "month", "day of week"] as const;

/** croner's own names in its messages ("Invalid value for dayOfWeek: 8"), as FIELDS names them. */
const CRONER_NAMES: Record<string, (typeof FIELDS)[number]> = {
  second: "second",
  minute: "minute",
  hour: "hour",
  day: "day of month",
  month: "month",
  dayOfWeek: "day of week",
};

/**
 * A cron expression as the runtime reads it: five fields (minute hour day-of-month month
 * day-of-week) or six with seconds first, in `timezone` (an IANA name; default UTC).
 * @throws TypeError naming the field at fault, or the unknown timezone
 */
export function parseCron(expression: string, timezone?: string): Cron {
  if (timezone !== undefined) checkTimezone(timezone);
  const parts = expression.trim().split(/\s+/);
  if (parts.length !== 5 && parts.length !== 6) {
    throw new TypeError(
      `cron "${expression}" has ${parts.length} field(s): expected 5 (minute hour day-of-month month day-of-week) or 6 (seconds first)`,
    );
  }
  try {
    return new Cron(expression, { timezone: timezone ?? "UTC", paused: true, mode: "5-or-6-parts" });
  } catch (error) {
    throw new TypeError(`cron "${expression}": ${describeCronError(String((error as Error).message), parts.length)}`);
  }
}

/** croner's message with the field it is about named plainly. */
function describeCronError(message: string, fieldCount: number): string {
  const text = message.replace(/^CronPattern:\s*/, "");
  const named = /Invalid value for (\w+)/.exec(text);
  if (named?.[1] && CRONER_NAMES[named[1]]) return `bad ${CRONER_NAMES[named[1]]} field (${text})`;
  const entry = /configuration entry (\d+)/.exec(text);
  if (entry?.[1]) {
    // croner numbers entries in its six-field layout; a five-field expression has no seconds.
    const field = FIELDS[Number(entry[1])] ?? `field ${Number(entry[1]) + (fieldCount === 5 ? 0 : 1)}`;
    return `bad ${field} field (${text})`;
  }
  return text;
}

/**
 * @throws TypeError when `timezone` is not an IANA time zone this runtime knows
 */
export function checkTimezone(timezone: string): void {
  try {
    new Intl.DateTimeFormat("en", { timeZone: timezone });
  } catch {
    throw new TypeError(`unknown timezone "${timezone}" (expected an IANA name such as Europe/Berlin)`);
  }
}
