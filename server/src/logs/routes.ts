/**
 * `GET /_/logs?app=<name>[&version=][&level=][&follow=1]` (docs/logs.md): an app's kept lines,
 * oldest first, as `{"lines": [...]}`; with `follow=1`, Server-Sent Events (`event: log`, one
 * line's JSON as `data`): the kept lines first, then each new one as it arrives. A follower that
 * stops reading holds at most MAX_QUEUED_LINES and MAX_QUEUED_CHARS, then is cut off (as `/_/sse`'s clients).
 */
import { Hono } from "hono";
import { streamSSE } from "hono/streaming";
import { BuntimeError, errorResponse, toBuntimeError } from "../errors.ts";
import { eventPump, headOfStream } from "../http/sse.ts";
import { StreamSlots } from "../http/stream-slots.ts";
import { LOG_LEVELS, type LogLevel } from "../protocol/log-message.ts";
import type { CallerEnv } from "../releases/routes.ts";
import { type AppLogLine, CHARS_KEPT, type LogFilter, type LogHub, matches } from "./hub.ts";

/** Lines held for one follower that is not reading, past which it is cut off. */
export const MAX_QUEUED_LINES = 2000;
/** Characters held for one such follower: the kept lines it starts with, and as much again. */
export const MAX_QUEUED_CHARS = 2 * CHARS_KEPT;

function filterOf(query: (name: string) => string | undefined, exists: (app: string) => boolean): LogFilter {
  const app = query("app");
  if (!app) throw new BuntimeError("REQUEST_INVALID", "?app=<name> is required");
  if (!exists(app)) throw new BuntimeError("APP_NOT_FOUND", `no app named "${app.slice(0, 80)}"`);
  const level = query("level");
  if (level !== undefined && !(LOG_LEVELS as readonly string[]).includes(level)) {
    throw new BuntimeError("REQUEST_INVALID", `level must be one of ${LOG_LEVELS.join(", ")}`);
  }
  const version = query("version");
  return { app, ...(version !== undefined && { version }), ...(level !== undefined && { level: level as LogLevel }) };
}

/** The `/_/logs` route, to mount at `/_/logs`. */
export function logRoutes(deps: { hub: LogHub; exists: (app: string) => boolean }): Hono<CallerEnv> {
  const { hub } = deps;
  // Followers are bounded per caller and in all (http/stream-slots.ts).
  const slots = new StreamSlots();
  const routes = new Hono<CallerEnv>();
  routes.onError((error) => errorResponse(toBuntimeError(error)));
  routes.get("/", (c) => {
    const filter = filterOf((name) => c.req.query(name), deps.exists);
    const follow = c.req.query("follow");
    if (follow !== "1" && follow !== "true") return c.json({ lines: hub.lines(filter) });
    if (c.req.method === "HEAD") return headOfStream(c);
    return streamSSE(c, async (stream) => {
      // The kept lines and the subscription in one turn: none is missed or sent twice.
      const queue: AppLogLine[] = hub.lines(filter);
      let queuedChars = queue.reduce((sum, line) => sum + line.message.length, 0);
      const pump = eventPump(stream);
      const release = slots.take(c.env?.caller, () => void stream.abort());
      const unfollow = hub.follow(filter.app, (line) => {
        if (!matches(line, filter)) return;
        // Lines and characters both: 2,000 lines of 8 KiB held for one follower that stopped
        // reading were 130 MB for 8 of them.
        if (queue.length >= MAX_QUEUED_LINES || queuedChars + line.message.length > MAX_QUEUED_CHARS) {
          return void stream.abort();
        }
        queue.push(line);
        queuedChars += line.message.length;
        pump.wake();
      });
      try {
        await pump.run(() => {
          const line = queue.shift();
          if (line) queuedChars -= line.message.length;
          return line && { event: "log", data: JSON.stringify(line) };
        });
      } finally {
        release();
        unfollow();
      }
    });
  });
  return routes;
}
