/**
 * Guest side of logs (docs/logs.md): what the app writes with `console.*` and to
 * `process.stdout`/`process.stderr` becomes lines posted to the host in one `log` message per
 * turn, each with the request id and `traceparent` of the request being served when it was
 * written (AsyncLocalStorage: the context follows the request's awaits and timers).
 *
 * A flood cannot block the worker or grow its memory: a token bucket (RATE lines/s, BURST at
 * once) is checked before a line is even formatted; lines over it, or over what may wait for
 * the next turn (MAX_PENDING lines, MAX_PENDING_CHARS: a synchronous loop never yields), are
 * dropped and counted, the count posted
 * with the next batch and written as a synthetic `warn` line once lines flow again.
 * The same in a thread and in a process: the transport is not involved.
 *
 * Cheap to install, as it runs on every worker start: `console`'s methods are replaced in
 * place, `node:util` (about 4.5 ms of CPU to load) is loaded by the first line that needs its
 * `format`, and `process.stdout`/`process.stderr` are captured by a stand-in for the global
 * `process` whose streams are made on first read (captured-process.ts, which says what a module
 * importing `node:process` sees). AsyncLocalStorage (`node:async_hooks`, under 1 ms) is loaded
 * at once: the first request needs it anyway.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { LOG_LINES } from "../protocol/limits.ts";
import type { GuestMessage, LogLine } from "../protocol/protocol.ts";
import { TokenBucket } from "../util/token-bucket.ts";
import { installCapturedProcess, type StdioWrite } from "./captured-process.ts";

/** Lines per second a worker may write, on average. */
export const RATE = LOG_LINES.rate;
/** Lines a worker may write at once, above the average. */
export const BURST = LOG_LINES.burst;
/** Characters of one line kept: longer ones are cut, marked `…[truncated]`. */
export const MAX_LINE_CHARS = 8 * 1024;
/** Lines waiting for the next turn, at most (a loop that never yields holds no more). */
const MAX_PENDING = BURST;
/** How often, at most, a "lines dropped" line is written while a flood goes on. */
const SAY_DROPPED_EVERY_MS = 1000;
/** Characters of the lines waiting for the next turn, at most (long lines fill it before MAX_PENDING). */
export const MAX_PENDING_CHARS = 1024 * 1024;

/** What a line carries of the request it was written for. */
export interface RequestTags {
  requestId: string | undefined;
  traceparent: string | undefined;
}

const context = new AsyncLocalStorage<RequestTags>();

/** Runs `fn` as the serving of one request: lines it writes carry `tags`. */
export function inRequest<T>(tags: RequestTags, fn: () => T): T {
  return context.run(tags, fn);
}

type Level = LogLine["level"];

/** What the capture patches (the process's own by default; tests pass stand-ins). */
export interface CaptureTargets {
  console: Console;
  /** Given the writer of stdout/stderr lines, routes the app's writes to it (captured-process.ts). */
  stdio: (write: StdioWrite) => void;
  /** Milliseconds, monotonic (the rate's clock). */
  now: () => number;
}

/**
 * Installs the capture; lines go out through `post`. Call once, before the app loads. Returns
 * `flush`, which posts what waits now: called before a response head, so the lines a request
 * wrote before its answer reach the host ahead of the answer (the emulator's `emu.logs`
 * sees them as soon as `emu.fetch` resolves).
 */
export function captureLogs(
  post: (message: GuestMessage) => void,
  targets: CaptureTargets = { console, stdio: installCapturedProcess, now: () => performance.now() },
): () => void {
  const { now } = targets;
  const budget = new TokenBucket(RATE, BURST, now());
  let pending: LogLine[] = [];
  let pendingChars = 0;
  let dropped = 0;
  /** Dropped since the last synthetic line. */
  let droppedUnsaid = 0;
  let scheduled = false;

  const flush = () => {
    scheduled = false;
    if (pending.length === 0 && dropped === 0) return;
    const lines = pending;
    pending = [];
    pendingChars = 0;
    const count = dropped;
    dropped = 0;
    post({ type: "log", lines, dropped: count });
  };

  /** Whether a line may be written now; counts it as dropped when not. */
  function admit(): boolean {
    if (pending.length >= MAX_PENDING || pendingChars >= MAX_PENDING_CHARS || budget.take(1, now()) === 0) {
      dropped++;
      droppedUnsaid++;
      if (!scheduled) schedule();
      return false;
    }
    return true;
  }

  function schedule(): void {
    scheduled = true;
    setTimeout(flush, 0);
  }

  /** When the last "lines dropped" line was written (one a second at most, or a flood is half of them). */
  let saidAt = Number.NEGATIVE_INFINITY;

  function push(level: Level, text: string): void {
    if (droppedUnsaid > 0 && now() - saidAt >= SAY_DROPPED_EVERY_MS) {
      pending.push(line("warn", `[buntime] ${droppedUnsaid} log lines dropped: over ${RATE} lines/s`, undefined));
      droppedUnsaid = 0;
      saidAt = now();
    }
    const made = line(level, text, context.getStore());
    pendingChars += made.message.length;
    pending.push(made);
    if (!scheduled) schedule();
  }

  /** `console.group`'s indentation, for what console methods write (not stdout/stderr). */
  let indent = "";
  const indented = (text: string) => (indent === "" ? text : indent + text.replaceAll("\n", `\n${indent}`));
  /** A console method's line: admitted, then made (nothing formatted for a dropped line), indented within groups. */
  const say = (level: Level, make: () => string) => {
    if (admit()) push(level, indented(make()));
  };
  const write = (level: Level) =>
    function captured(...args: unknown[]): void {
      say(level, () => formatted(args));
    };

  const out = targets.console as Console & Record<string, unknown>;
  out.log = write("info");
  out.info = write("info");
  out.debug = write("debug");
  out.warn = write("warn");
  out.error = write("error");
  out.dirxml = write("info");
  out.trace = (...args: unknown[]) => {
    if (!admit()) return;
    const stack = (new Error().stack ?? "").split("\n").slice(2).join("\n");
    push("debug", indented(`Trace${args.length > 0 ? `: ${formatted(args)}` : ""}\n${stack}`));
  };
  out.dir = (value: unknown) => say("info", () => Bun.inspect(value));
  // Every other method that prints, printed here: left as they were, they wrote to the server's
  // own output (outside the rate limit, and a line there could pass for the server's own).
  out.table = (data: unknown, properties?: string[]) =>
    say("info", () =>
      typeof data === "object" && data !== null ? Bun.inspect.table(data, properties).trimEnd() : formatted([data]),
    );
  out.assert = (condition?: unknown, ...args: unknown[]) => {
    if (!condition) say("error", () => (args.length > 0 ? `Assertion failed: ${formatted(args)}` : "Assertion failed"));
  };
  const counts = new Map<string, number>();
  out.count = (label = "default") => {
    const n = (counts.get(String(label)) ?? 0) + 1;
    counts.set(String(label), n);
    say("info", () => `${label}: ${n}`);
  };
  out.countReset = (label = "default") => void counts.delete(String(label));
  const timers = new Map<string, number>();
  const elapsed = (label: string, data: unknown[]) => {
    const started = timers.get(label);
    if (started === undefined) return say("warn", () => `Timer "${label}" does not exist`);
    const ms = now() - started;
    say("info", () => `${label}: ${ms.toFixed(3)}ms${data.length > 0 ? ` ${formatted(data)}` : ""}`);
  };
  out.time = (label = "default") => void timers.set(String(label), now());
  out.timeLog = (label = "default", ...data: unknown[]) => elapsed(String(label), data);
  out.timeEnd = (label = "default") => {
    elapsed(String(label), []);
    timers.delete(String(label));
  };
  out.group = (...label: unknown[]) => {
    if (label.length > 0) say("info", () => formatted(label));
    indent += "  ";
  };
  out.groupCollapsed = out.group;
  out.groupEnd = () => {
    indent = indent.slice(2);
  };
  // Bun's `console.write`: raw text, no newline.
  out.write = (...data: unknown[]) => {
    say("info", () =>
      data
        .map((part) => (ArrayBuffer.isView(part) || part instanceof ArrayBuffer ? decoder.decode(part) : String(part)))
        .join(""),
    );
    return 0;
  };
  for (const name of ["clear", "timeStamp", "profile", "profileEnd", "record", "recordEnd", "screenshot"]) {
    if (typeof out[name] === "function") out[name] = () => {};
  }
  // One write is one line, its final newline dropped.
  targets.stdio((fd, chunk) => {
    if (!admit()) return;
    const text = typeof chunk === "string" ? chunk : decoder.decode(chunk);
    push(fd === 1 ? "info" : "error", text.endsWith("\n") ? text.slice(0, -1) : text);
  });
  return flush;
}

function line(level: Level, text: string, tags: RequestTags | undefined): LogLine {
  const message = text.length > MAX_LINE_CHARS ? `${text.slice(0, MAX_LINE_CHARS)}…[truncated]` : text;
  const out: LogLine = { level, time: Date.now(), message };
  if (tags?.requestId !== undefined) out.requestId = tags.requestId;
  if (tags?.traceparent !== undefined) out.traceparent = tags.traceparent;
  return out;
}

const decoder = new TextDecoder();

let format: ((...args: unknown[]) => string) | undefined;

/**
 * The arguments as `console.log` prints them (`util.format`). Strings alone, when the first is
 * no format (no `%`, or alone), are what `format` makes of them joined by spaces: that common
 * case needs no `node:util`, which is loaded on the first line that does.
 */
export function formatted(args: unknown[]): string {
  if (args.every((arg) => typeof arg === "string") && (args.length < 2 || !(args[0] as string).includes("%"))) {
    return args.join(" ");
  }
  format ??= (require("node:util") as typeof import("node:util")).format;
  return format(...args);
}
