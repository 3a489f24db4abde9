/**
 * A server under test in a child process: started, awaited until it prints the URL it listens
 * on, and stopped. The runtime and the plain Bun.serve baseline differ only in the command
 * and in how an app's path maps to a URL.
 */
import { type Child, spawnTracked } from "../children.ts";
import { pinned } from "../pinning.ts";

/** A started server. */
export interface ServerHandle {
  readonly label: string;
  readonly url: URL;
  readonly pid: number;
  /** Milliseconds from spawn to the "listening on" line. */
  readonly startMs: number;
  /** The URL of `path` in `app`: `/<app><path>` through the runtime, `<path>` on a plain server. */
  appUrl(app: string, path: string): string;
  /** Runtime log lines at level warn or error seen so far (a healthy run has none). */
  problemLines(): string[];
  /** Why the process ended, if it has (before `stop`, that means it died): `exit 1`, `signal SIGSEGV`. */
  exitStatus(): string | undefined;
  /** Its last lines of output, for error messages. */
  outputTail(): string;
  /** SIGTERM, then SIGKILL if it has not exited within a few seconds. Idempotent. */
  stop(): Promise<void>;
}

export interface SpawnServerOptions {
  label: string;
  cmd: string[];
  env: Record<string, string>;
  /** Maps an app's path to the URL path this server serves it at. */
  route: (app: string, path: string) => string;
}

const LISTENING = /listening on (http:\/\/\S+?)\/?(?:\s|$)/;
const START_LIMIT_MS = 30_000;
const STOP_LIMIT_MS = 5_000;

/** Spawns `cmd` and resolves once it prints `listening on http://…`. */
export async function spawnServer(options: SpawnServerOptions): Promise<ServerHandle> {
  const started = performance.now();
  const child = spawnTracked(pinned(options.cmd, "server"), { env: options.env });
  const problems: string[] = [];
  const tail: string[] = [];
  const onLine = (line: string) => {
    tail.push(line);
    if (tail.length > 20) tail.shift();
    if (/"level":"(warn|error)"/.test(line) && problems.length < 100) problems.push(line);
  };
  let announce: (url: string) => void = () => {};
  const listening = new Promise<string>((resolve) => {
    announce = resolve;
  });
  void readLines(child.stdout, (line) => {
    onLine(line);
    const match = LISTENING.exec(line);
    if (match?.[1]) announce(match[1]);
  });
  void readLines(child.stderr, onLine);

  let timer: Timer | undefined;
  const outcome = await Promise.race([
    listening,
    child.exited.then((code) => new Error(`${options.label} exited with ${code} before listening`)),
    new Promise<Error>((resolve) => {
      timer = setTimeout(
        () => resolve(new Error(`${options.label} did not listen within ${START_LIMIT_MS} ms`)),
        START_LIMIT_MS,
      );
    }),
  ]).finally(() => clearTimeout(timer));
  if (outcome instanceof Error) {
    child.kill("SIGKILL");
    // The first line names the cause when the output has one ("error: …" from Bun, a thrown Error).
    const cause = tail.find((line) => /^(error|\w*Error):/.test(line.trim()));
    throw new Error(`${outcome.message}${cause ? `: ${cause.trim()}` : ""}\n${tail.join("\n")}`);
  }
  const startMs = performance.now() - started;
  const url = new URL(`${outcome}/`);
  let stopping: Promise<void> | undefined;
  return {
    label: options.label,
    url,
    pid: child.pid,
    startMs,
    appUrl: (app, path) => new URL(options.route(app, path), url).href,
    problemLines: () => [...problems],
    exitStatus: () => {
      if (child.signalCode) return `signal ${child.signalCode}`;
      return child.exitCode === null ? undefined : `exit ${child.exitCode}`;
    },
    outputTail: () => tail.join("\n"),
    stop: () => {
      stopping ??= stop(child);
      return stopping;
    },
  };
}

async function stop(child: Child): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill("SIGTERM");
  let timer: Timer | undefined;
  const exited = await Promise.race([
    child.exited.then(() => true),
    new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), STOP_LIMIT_MS);
    }),
  ]).finally(() => clearTimeout(timer));
  if (!exited) {
    child.kill("SIGKILL");
    await child.exited;
  }
}

/** Calls `onLine` for every line of `stream` until it ends (which also keeps the pipe drained). */
async function readLines(stream: ReadableStream<Uint8Array>, onLine: (line: string) => void): Promise<void> {
  const decoder = new TextDecoder();
  let buffered = "";
  for await (const chunk of stream) {
    buffered += decoder.decode(chunk, { stream: true });
    let newline = buffered.indexOf("\n");
    while (newline >= 0) {
      onLine(buffered.slice(0, newline));
      buffered = buffered.slice(newline + 1);
      newline = buffered.indexOf("\n");
    }
  }
  if (buffered) onLine(buffered);
}

/**
 * A baseline serving one app module at its root, `bun <entry> <module>`, on a free port of
 * 127.0.0.1 (plain Bun.serve, the naive proxy).
 */
export function startModuleServer(label: string, entry: string, module: string): Promise<ServerHandle> {
  return spawnServer({
    label,
    cmd: [process.execPath, entry, module],
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? "/tmp", HOST: "127.0.0.1", PORT: "0" },
    route: (_app, path) => path,
  });
}
