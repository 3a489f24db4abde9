/**
 * `buntime logs <name> [--version X] [--level L] [-f] [--json]` (docs/logs.md): an app's kept
 * log lines from `/_/logs`, oldest first; with `-f`, then every new line as it arrives (the
 * server's SSE stream) until the server ends it or the user interrupts.
 */
import { call, remoteFrom } from "./client.ts";
import { CliError } from "./errors.ts";
import { colours, printable } from "./format.ts";

/** One line as `/_/logs` sends it. */
interface LogLine {
  app: string;
  version: string;
  worker: number;
  level: string;
  time: string;
  requestId?: string;
  traceparent?: string;
  message: string;
}

export interface LogsFlags {
  url?: string;
  key?: string;
  version?: string;
  level?: string;
  follow?: boolean;
  json?: boolean;
}

/** What starts each of a message's lines after its first. */
const CONTINUATION = "    ";

/** A line for the terminal: time, level, app@version, worker, request id, message. */
export function formatLine(line: LogLine, paint = colours()): string {
  const level = line.level.toUpperCase().padEnd(5);
  const tint = line.level === "error" ? paint.red : line.level === "warn" ? paint.bold : (t: string) => t;
  // What the app wrote (and every field from the server) is shown, not obeyed (format.ts `printable`).
  const request = line.requestId ? ` ${paint.dim(printable(line.requestId))}` : "";
  const source = printable(`${line.app}@${line.version} w${line.worker}`);
  // A message's own lines are indented: one cannot pass for another line (another app's, an error).
  const message = printable(line.message).replaceAll("\n", `\n${CONTINUATION}`);
  return `${paint.dim(printable(line.time))} ${tint(printable(level))} ${source}${request} ${message}`;
}

/**
 * Runs `logs`: resolves with the text to print; with `follow`, writes each line through `write`
 * as it arrives and resolves (with "") when the stream ends.
 */
export async function logsCommand(
  name: string | undefined,
  flags: LogsFlags,
  write: (text: string) => void = (text) => process.stdout.write(text),
): Promise<string> {
  if (!name) throw new CliError("logs needs an app name: buntime logs <name> [-f]", 2);
  const query = new URLSearchParams({ app: name });
  if (flags.version) query.set("version", flags.version);
  if (flags.level) query.set("level", flags.level);
  const show = (line: LogLine) => (flags.json ? JSON.stringify(line) : formatLine(line));
  const remote = remoteFrom(flags);
  if (!flags.follow) {
    const { lines } = (await (await call(remote, `/_/logs?${query}`)).json()) as { lines: LogLine[] };
    return lines.map(show).join("\n");
  }
  query.set("follow", "1");
  const res = await call(remote, `/_/logs?${query}`, { headers: { accept: "text/event-stream" } });
  for await (const data of sseData(res.body)) write(`${show(JSON.parse(data) as LogLine)}\n`);
  return "";
}

/**
 * The `data` of each event of a Server-Sent Events body. Hand-written: the server sends one
 * `event:` and one `data:` line per event, and no SSE client package is a dependency.
 */
async function* sseData(body: ReadableStream<Uint8Array> | null): AsyncGenerator<string> {
  if (!body) return;
  const decoder = new TextDecoder();
  let buffer = "";
  for await (const chunk of body) {
    buffer += decoder.decode(chunk, { stream: true });
    for (let end = buffer.indexOf("\n\n"); end !== -1; end = buffer.indexOf("\n\n")) {
      const event = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const data = event
        .split("\n")
        .filter((l) => l.startsWith("data:"))
        .map((l) => l.slice(l.startsWith("data: ") ? 6 : 5))
        .join("\n");
      if (data) yield data;
    }
  }
}
