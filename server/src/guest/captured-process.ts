/**
 * The `process` an app sees in its worker: the worker's own, through a Proxy whose `stdout` and
 * `stderr` are captured streams (each write a log line, log-capture.ts), made on first read.
 *
 * Why not patch the real `process.stdout.write`, as before: Bun builds the real streams the
 * first time the property is touched in any way (read, `defineProperty`, `delete`), and that
 * loads `node:stream` and `node:tty`/`node:fs`: about 7.5 ms of CPU on every worker start, for
 * streams most apps never write to. Here nothing is built until the app reads `process.stdout`
 * or `process.stderr`, and then only a `node:stream` Writable (`fd` 1 or 2, `isTTY` false).
 *
 * Everything else is the real process's:
 * - Reads and writes go to the real object, with it as the receiver (Bun's `exitCode` setter,
 *   given the proxy as `this`, silently sets nothing).
 * - Bun's own functions read through the proxy are stand-ins bound to the real process (one per
 *   function, so `process.on === process.on`): Bun's native `on`/`emit`, given the proxy as
 *   `this`, would register on another emitter. Their own properties (`hrtime.bigint`,
 *   `memoryUsage.rss`) are copied; they are not the real process's function objects. A function
 *   the app put on the process is given back as it is.
 * - The app taking `stdout`/`stderr` over on the process (assigning, `defineProperty`,
 *   `delete`) does it on the real object, whose property is then the one the proxy shows.
 *
 * The limitation: a module that imports `node:process` or `process` (or `require`s it) gets the
 * real object, whose `stdout`/`stderr` are not captured: what it writes there goes to the
 * server's own output. Bun resolves builtin modules before any plugin (a runtime plugin's
 * `module()` refuses them, its `onResolve` is not asked), so the stand-in cannot be handed to
 * such an import, and patching the real streams is the cost this file exists to avoid.
 * Reading `Object.getOwnPropertyDescriptor(process, "stdout")` (or enumerating the process:
 * `Object.keys`, spread, `console.log(process)`) still answers the captured stream, but builds
 * the real one as a side effect (the Proxy checks its answer against the real object).
 */
import type { Writable } from "node:stream";

/** One write to the captured stdout (fd 1) or stderr (fd 2). */
export type StdioWrite = (fd: 1 | 2, chunk: string | Uint8Array) => void;

const STDIO = { stdout: 1, stderr: 2 } as const;
type StdioKey = keyof typeof STDIO;

const isStdio = (key: PropertyKey): key is StdioKey => key === "stdout" || key === "stderr";

/** Replaces the global `process` by `capturedProcess(process, write)`. Call once, before the app loads. */
export function installCapturedProcess(write: StdioWrite): void {
  // As Bun defines it: a writable, enumerable, configurable data property.
  Object.defineProperty(globalThis, "process", {
    value: capturedProcess(globalThis.process, write),
    writable: true,
    enumerable: true,
    configurable: true,
  });
}

/** `real` with its `stdout` and `stderr` captured by `write` (see the module comment). */
export function capturedProcess<P extends NodeJS.Process>(real: P, write: StdioWrite): P {
  const streams: Partial<Record<StdioKey, Writable>> = {};
  /** Stdio keys the app took over on the real process: the real property is shown from then on. */
  const released = new Set<StdioKey>();
  const captured = (key: PropertyKey): key is StdioKey => isStdio(key) && !released.has(key);
  const stream = (key: StdioKey): Writable => {
    streams[key] ??= capturedStream(STDIO[key], write);
    return streams[key];
  };
  const release = (key: PropertyKey) => {
    if (isStdio(key)) released.add(key);
  };

  /** Native functions read through the proxy, by function: their stand-ins, bound to `real`. */
  // biome-ignore lint/complexity/noBannedTypes: any function of the process, whatever its signature
  const standIns = new WeakMap<Function, Function>();
  // biome-ignore lint/complexity/noBannedTypes: as above
  const onReal = (fn: Function): Function => {
    let standIn = standIns.get(fn);
    if (standIn === undefined) {
      standIn = isNative(fn) ? boundWithProperties(fn, real) : fn;
      standIns.set(fn, standIn);
    }
    return standIn;
  };

  return new Proxy(real, {
    get(target, key) {
      if (captured(key)) return stream(key);
      const value: unknown = Reflect.get(target, key);
      return typeof value === "function" && key !== "constructor" ? onReal(value) : value;
    },
    set(target, key, value) {
      release(key);
      return Reflect.set(target, key, value);
    },
    has: (target, key) => captured(key) || Reflect.has(target, key),
    getOwnPropertyDescriptor(target, key) {
      if (!captured(key)) return Reflect.getOwnPropertyDescriptor(target, key);
      // As the real streams are: a writable, configurable data property.
      return { value: stream(key), writable: true, enumerable: true, configurable: true };
    },
    defineProperty(target, key, descriptor) {
      release(key);
      return Reflect.defineProperty(target, key, descriptor);
    },
    deleteProperty(target, key) {
      release(key);
      return Reflect.deleteProperty(target, key);
    },
  });
}

/**
 * Bun's own functions (native or builtin JS) print as `[native code]`; an app's do not (but for
 * those it made with `bind`: bound again, they are called the same, as another object).
 */
// biome-ignore lint/complexity/noBannedTypes: any function
const isNative = (fn: Function) => Function.prototype.toString.call(fn).includes("[native code]");

/**
 * `fn` bound to `self`, with `fn`'s own properties (`hrtime.bigint`, `memoryUsage.rss`, its
 * `name` and `length`). A bound function, not a Proxy with an `apply` trap: calling it costs what
 * calling `fn` costs (measured: the trap added about 150 ns to every `process.nextTick`).
 */
// biome-ignore lint/complexity/noBannedTypes: any function
function boundWithProperties(fn: Function, self: object): Function {
  const bound = fn.bind(self);
  const { prototype: _, ...own } = Object.getOwnPropertyDescriptors(fn);
  return Object.defineProperties(bound, own);
}

/**
 * A Writable whose every write is passed to `write` (one line each: see log-capture.ts), its
 * callback called as a stream calls it. `node:stream` is loaded here, on the first read of
 * `process.stdout` or `process.stderr`, not when the worker starts.
 */
function capturedStream(fd: 1 | 2, write: StdioWrite): Writable {
  const { Writable } = require("node:stream") as typeof import("node:stream");
  const stream = new Writable({
    // Strings reach `write` as they are, not encoded to bytes only to be decoded again.
    decodeStrings: false,
    write(chunk: string | Uint8Array, encoding: BufferEncoding, callback: () => void) {
      write(fd, typeof chunk === "string" && !isUtf8(encoding) ? Buffer.from(chunk, encoding) : chunk);
      callback();
    },
  });
  return Object.assign(stream, { fd, isTTY: false });
}

const isUtf8 = (encoding: string) => encoding === "utf8" || encoding === "utf-8";
