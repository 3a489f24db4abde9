// @bun @bytecode @bun-cjs
(function(exports, require, module, __filename, __dirname) {// server/src/protocol/protocol-error.ts
class ProtocolError extends Error {
  name = "ProtocolError";
}

// server/src/protocol/frames.ts
var CHANNEL_ARG = "--buntime-channel=3";
var CHANNEL_FD = 3;
var MAX_FRAME_BYTES = 64 * 1024 * 1024;
var MAX_CHUNK_BYTES = 4 * 1024 * 1024;
var INTO_FRAME_CHARS = 64 * 1024;
var MAX_HELD_CHUNKS = 64;
var encoder = new TextEncoder;
var decoder = new TextDecoder;
function encodeFrame(wire) {
  const [text, buffers] = typeof wire === "string" ? [wire, []] : wire;
  let bufferBytes = 0;
  for (const buffer of buffers)
    bufferBytes += 4 + buffer.byteLength;
  if (4 + text.length + bufferBytes > MAX_FRAME_BYTES) {
    throw new ProtocolError(`a post of at least ${4 + text.length + bufferBytes} bytes, over ${MAX_FRAME_BYTES}`);
  }
  const encoded = text.length > INTO_FRAME_CHARS ? encoder.encode(text) : undefined;
  const space = new Uint8Array(8 + (encoded?.byteLength ?? text.length * 3) + bufferBytes);
  let written;
  if (encoded) {
    space.set(encoded, 8);
    written = encoded.byteLength;
  } else {
    written = encoder.encodeInto(text, space.subarray(8)).written;
  }
  const size = 4 + written + bufferBytes;
  if (size > MAX_FRAME_BYTES)
    throw new ProtocolError(`a post of ${size} bytes, over ${MAX_FRAME_BYTES}`);
  const frame = space.subarray(0, 4 + size);
  const view = new DataView(frame.buffer);
  view.setUint32(0, size, true);
  view.setUint32(4, written, true);
  let at = 8 + written;
  for (const buffer of buffers) {
    view.setUint32(at, buffer.byteLength, true);
    frame.set(new Uint8Array(buffer), at + 4);
    at += 4 + buffer.byteLength;
  }
  return frame;
}

class FrameReader {
  #chunks = [];
  #buffered = 0;
  #need = 0;
  push(chunk, handle) {
    if (this.#chunks.length >= MAX_HELD_CHUNKS)
      this.#chunks = [this.#take(this.#buffered, false)];
    this.#chunks.push(chunk);
    this.#buffered += chunk.byteLength;
    for (;; ) {
      if (this.#need === 0) {
        if (this.#buffered < 4)
          return;
        const header = this.#take(4, false);
        const size = new DataView(header.buffer, header.byteOffset, 4).getUint32(0, true);
        if (size > MAX_FRAME_BYTES)
          throw new ProtocolError(`a frame announcing ${size} bytes, over ${MAX_FRAME_BYTES}`);
        this.#need = 4 + size;
      }
      if (this.#buffered < this.#need)
        return;
      const frame = this.#take(this.#need, true);
      this.#need = 0;
      handle(decodeFrame(frame));
    }
  }
  #take(bytes, consume) {
    const first = this.#chunks[0];
    let out;
    if (first.byteLength >= bytes) {
      out = first.subarray(0, bytes);
    } else {
      out = new Uint8Array(bytes);
      let at = 0;
      for (const chunk of this.#chunks) {
        const part = chunk.subarray(0, bytes - at);
        out.set(part, at);
        at += part.byteLength;
        if (at === bytes)
          break;
      }
    }
    if (consume)
      this.#drop(bytes);
    return out;
  }
  #drop(bytes) {
    this.#buffered -= bytes;
    while (bytes > 0) {
      const first = this.#chunks[0];
      if (first.byteLength <= bytes) {
        this.#chunks.shift();
        bytes -= first.byteLength;
      } else {
        this.#chunks[0] = first.subarray(bytes);
        bytes = 0;
      }
    }
  }
}
function decodeFrame(frame) {
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const end = frame.byteLength;
  const part = (at) => {
    if (at + 4 > end)
      throw new ProtocolError("a frame whose parts do not add up");
    const length = view.getUint32(at, true);
    if (at + 4 + length > end)
      throw new ProtocolError("a frame whose parts do not add up");
    return length;
  };
  const textLength = part(4);
  const text = decoder.decode(frame.subarray(8, 8 + textLength));
  let at = 8 + textLength;
  if (at === end)
    return text;
  const buffers = [];
  while (at < end) {
    const length = part(at);
    buffers.push(frame.slice(at + 4, at + 4 + length).buffer);
    at += 4 + length;
  }
  return [text, buffers];
}
function frameChannel(fd) {
  const writer = Bun.file(fd).writer();
  const reader = Bun.file(fd).stream().getReader();
  return {
    send(wire) {
      writer.write(encodeFrame(wire));
      return Promise.resolve(writer.flush()).then(() => {});
    },
    async read(onWire) {
      const frames = new FrameReader;
      for (;; ) {
        const { value, done } = await reader.read();
        if (done)
          return;
        frames.push(value, onWire);
      }
    },
    close() {
      reader.cancel().catch(() => {});
      try {
        writer.end();
      } catch {}
    }
  };
}

// server/src/protocol/limits.ts
var MAX_TOPIC_CHARS = 256;
var MAX_TOPICS_PER_SOCKET = 1000;
var WS_FLOW = { window: 1024 * 1024, hardLimit: 8 * 1024 * 1024, step: 256 * 1024 };
var LOG_LINES = { rate: 1000, burst: 1000 };

// server/src/protocol/protocol.ts
var BYTE_FIELDS = { B: "body", C: "chunk" };
function encodeLine(message) {
  const record = message;
  const { body, chunk } = record;
  if (body instanceof ArrayBuffer)
    return { line: `B${JSON.stringify({ ...record, body: null })}`, buffer: body };
  if (chunk instanceof ArrayBuffer)
    return { line: `C${JSON.stringify({ ...record, chunk: null })}`, buffer: chunk };
  return { line: JSON.stringify(message), buffer: undefined };
}
function createSender(post) {
  let lines = [];
  let buffers = [];
  let size = 0;
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    if (lines.length === 0)
      return;
    const text = lines.length === 1 ? lines[0] : lines.join(`
`);
    const sent = buffers;
    lines = [];
    buffers = [];
    size = 0;
    if (sent.length === 0) {
      post(text);
      return;
    }
    try {
      post([text, sent], sent);
    } catch {
      post([text, sent]);
    }
  };
  return (message) => {
    const { line, buffer } = encodeLine(message);
    const adds = line.length + (buffer?.byteLength ?? 0);
    if (lines.length > 0 && size + adds > BATCH_LIMIT)
      flush();
    lines.push(line);
    size += adds;
    if (buffer)
      buffers.push(buffer);
    if (!scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
  };
}
function receive(data, handle) {
  if (typeof data === "string") {
    checkLength(data);
    if (!data.includes(`
`))
      handle(parseLine(data));
    else
      eachLine(data, (line) => handle(parseLine(line)));
    return;
  }
  if (!isWireWithBuffers(data))
    throw new ProtocolError(`a post that is not a wire: ${sketch(data)}`);
  const [text, buffers] = data;
  checkLength(text);
  let byteLines = 0;
  for (let start = 0;start <= text.length; start = text.indexOf(`
`, start) + 1 || text.length + 1) {
    const mark = text[start];
    if (mark === `
` || mark === undefined)
      throw new ProtocolError('a line that is not JSON: ""');
    if (BYTE_FIELDS[mark] !== undefined)
      byteLines++;
  }
  if (byteLines !== buffers.length) {
    throw new ProtocolError(`${buffers.length} buffers for ${byteLines} byte lines`);
  }
  let next = 0;
  eachLine(text, (line) => {
    const mark = line[0];
    const field = BYTE_FIELDS[mark];
    if (field === undefined) {
      handle(parseLine(line));
      return;
    }
    const message = parseLine(line.slice(1));
    if (typeof message !== "object" || message === null || Array.isArray(message)) {
      throw new ProtocolError(`a ${mark} line that is not an object: ${sketch(message)}`);
    }
    message[field] = buffers[next++];
    handle(message);
  });
}
var MAX_POST_CHARS = 64 * 1024 * 1024;
var BATCH_LIMIT = 16 * 1024 * 1024;
function checkLength(text) {
  if (text.length > MAX_POST_CHARS)
    throw new ProtocolError(`a post of ${text.length} characters, over ${MAX_POST_CHARS}`);
}
function eachLine(text, fn) {
  let start = 0;
  for (;; ) {
    const end = text.indexOf(`
`, start);
    if (end === -1) {
      fn(text.slice(start));
      return;
    }
    fn(text.slice(start, end));
    start = end + 1;
  }
}
function isWireWithBuffers(data) {
  if (!Array.isArray(data) || data.length !== 2 || typeof data[0] !== "string" || !Array.isArray(data[1])) {
    return false;
  }
  for (const buffer of data[1])
    if (!(buffer instanceof ArrayBuffer))
      return false;
  return true;
}
function parseLine(line) {
  try {
    return JSON.parse(line);
  } catch {
    throw new ProtocolError(`a line that is not JSON: ${sketch(line)}`);
  }
}
var SKETCH_CHARS = 80;
function sketch(value) {
  if (typeof value === "string") {
    const cut = value.length > SKETCH_CHARS ? `${value.slice(0, SKETCH_CHARS)}\u2026` : value;
    return JSON.stringify(cut);
  }
  if (value === null || typeof value !== "object")
    return String(value);
  if (Array.isArray(value))
    return `an array of ${value.length}`;
  return Object.prototype.toString.call(value);
}
function copyBytes(bytes) {
  return bytes.slice().buffer;
}
var WS_FRAME_COST = 64;
function wsPayload(frame) {
  return frame.text !== undefined ? frame.text.length : frame.chunk?.byteLength ?? 0;
}
function wsSize(frame) {
  return wsPayload(frame) + WS_FRAME_COST;
}
function unreachable(value) {
  throw new Error(`unhandled message: ${JSON.stringify(value)}`);
}

// server/src/util/id-table.ts
class IdTable {
  #entries = Object.create(null);
  #size = 0;
  get size() {
    return this.#size;
  }
  get(id) {
    return this.#entries[id];
  }
  has(id) {
    return this.#entries[id] !== undefined;
  }
  set(id, value) {
    if (this.#entries[id] === undefined)
      this.#size++;
    this.#entries[id] = value;
  }
  delete(id) {
    if (this.#entries[id] === undefined)
      return false;
    delete this.#entries[id];
    this.#size--;
    return true;
  }
  clear() {
    this.#entries = Object.create(null);
    this.#size = 0;
  }
  first() {
    for (const id in this.#entries)
      return this.#entries[id];
    return;
  }
  values() {
    return Object.values(this.#entries);
  }
  entries() {
    return Object.entries(this.#entries).map(([id, value]) => [Number(id), value]);
  }
}

// server/src/guest/app-response.ts
var WHOLE_BODY_LIMIT = 1024 * 1024;
var INLINE_TEXT_LIMIT = 4096;
var wholeBodies = new WeakMap;
function patchResponse() {
  globalThis.Response = recordingResponse(globalThis.Response);
}
function recordingResponse(Original) {
  return class Response2 extends Original {
    static [Symbol.hasInstance](value) {
      return value instanceof Original;
    }
    constructor(body, init) {
      super(body, init);
      if (typeof body === "string") {
        if (!this.headers.has("content-type"))
          this.headers.set("content-type", "text/plain;charset=utf-8");
        if (body.length * 3 <= WHOLE_BODY_LIMIT) {
          wholeBodies.set(this, body.length <= INLINE_TEXT_LIMIT ? body : undefined);
        }
      } else if (body !== null && body !== undefined && isWhole(body)) {
        wholeBodies.set(this, undefined);
      }
    }
  };
}
function isWholeBody(response) {
  return wholeBodies.has(response);
}
function inlineText(response) {
  return response.bodyUsed ? undefined : wholeBodies.get(response);
}
function isWhole(body) {
  if (body instanceof ArrayBuffer || ArrayBuffer.isView(body))
    return body.byteLength <= WHOLE_BODY_LIMIT;
  if (body instanceof Blob)
    return body.size <= WHOLE_BODY_LIMIT;
  return body instanceof URLSearchParams;
}

// server/src/guest/channel.ts
var CHILD_PROCESS = (() => {
  const at = Bun.isMainThread ? process.argv.indexOf(CHANNEL_ARG) : -1;
  if (at !== -1)
    process.argv.splice(at, 1);
  return at !== -1;
})();
function isChildProcess() {
  return CHILD_PROCESS;
}
function hostChannel() {
  if (!isChildProcess()) {
    return {
      post: (data, transfer) => transfer ? self.postMessage(data, transfer) : self.postMessage(data),
      listen: (handler) => {
        self.onmessage = (event) => handler(event.data);
      }
    };
  }
  const channel = frameChannel(CHANNEL_FD);
  return {
    post: (data) => {
      channel.send(data).catch(endProcessGroup);
    },
    listen: (handler) => {
      channel.read(handler).then(endProcessGroup, endProcessGroup);
    }
  };
}
function endProcessGroup() {
  try {
    const { readFileSync } = require("fs");
    const stat = readFileSync("/proc/self/stat", "utf8");
    const group = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[2]);
    if (group === process.pid)
      process.kill(-group, "SIGKILL");
  } catch {}
  process.exit(0);
}

// server/src/guest/log-capture.ts
var import_node_async_hooks = require("async_hooks");

// server/src/util/token-bucket.ts
class TokenBucket {
  rate;
  burst;
  #tokens;
  #at;
  constructor(rate, burst, now) {
    this.rate = rate;
    this.burst = burst;
    this.#tokens = burst;
    this.#at = now;
  }
  take(wanted, now) {
    this.#tokens = Math.min(this.burst, this.#tokens + (now - this.#at) * this.rate / 1000);
    this.#at = now;
    const got = Math.max(0, Math.min(wanted, Math.floor(this.#tokens)));
    this.#tokens -= got;
    return got;
  }
}

// server/src/guest/captured-process.ts
var STDIO = { stdout: 1, stderr: 2 };
var isStdio = (key) => key === "stdout" || key === "stderr";
function installCapturedProcess(write) {
  Object.defineProperty(globalThis, "process", {
    value: capturedProcess(globalThis.process, write),
    writable: true,
    enumerable: true,
    configurable: true
  });
}
function capturedProcess(real, write) {
  const streams = {};
  const released = new Set;
  const captured = (key) => isStdio(key) && !released.has(key);
  const stream = (key) => {
    streams[key] ??= capturedStream(STDIO[key], write);
    return streams[key];
  };
  const release = (key) => {
    if (isStdio(key))
      released.add(key);
  };
  const standIns = new WeakMap;
  const onReal = (fn) => {
    let standIn = standIns.get(fn);
    if (standIn === undefined) {
      standIn = isNative(fn) ? boundWithProperties(fn, real) : fn;
      standIns.set(fn, standIn);
    }
    return standIn;
  };
  return new Proxy(real, {
    get(target, key) {
      if (captured(key))
        return stream(key);
      const value = Reflect.get(target, key);
      return typeof value === "function" && key !== "constructor" ? onReal(value) : value;
    },
    set(target, key, value) {
      release(key);
      return Reflect.set(target, key, value);
    },
    has: (target, key) => captured(key) || Reflect.has(target, key),
    getOwnPropertyDescriptor(target, key) {
      if (!captured(key))
        return Reflect.getOwnPropertyDescriptor(target, key);
      return { value: stream(key), writable: true, enumerable: true, configurable: true };
    },
    defineProperty(target, key, descriptor) {
      release(key);
      return Reflect.defineProperty(target, key, descriptor);
    },
    deleteProperty(target, key) {
      release(key);
      return Reflect.deleteProperty(target, key);
    }
  });
}
var isNative = (fn) => Function.prototype.toString.call(fn).includes("[native code]");
function boundWithProperties(fn, self2) {
  const bound = fn.bind(self2);
  const { prototype: _, ...own } = Object.getOwnPropertyDescriptors(fn);
  return Object.defineProperties(bound, own);
}
function capturedStream(fd, write) {
  const { Writable } = require("stream");
  const stream = new Writable({
    decodeStrings: false,
    write(chunk, encoding, callback) {
      write(fd, typeof chunk === "string" && !isUtf8(encoding) ? Buffer.from(chunk, encoding) : chunk);
      callback();
    }
  });
  return Object.assign(stream, { fd, isTTY: false });
}
var isUtf8 = (encoding) => encoding === "utf8" || encoding === "utf-8";

// server/src/guest/log-capture.ts
var RATE = LOG_LINES.rate;
var BURST = LOG_LINES.burst;
var MAX_LINE_CHARS = 8 * 1024;
var MAX_PENDING = BURST;
var SAY_DROPPED_EVERY_MS = 1000;
var MAX_PENDING_CHARS = 1024 * 1024;
var context = new import_node_async_hooks.AsyncLocalStorage;
function inRequest(tags, fn) {
  return context.run(tags, fn);
}
function captureLogs(post, targets = { console, stdio: installCapturedProcess, now: () => performance.now() }) {
  const { now } = targets;
  const budget = new TokenBucket(RATE, BURST, now());
  let pending = [];
  let pendingChars = 0;
  let dropped = 0;
  let droppedUnsaid = 0;
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    if (pending.length === 0 && dropped === 0)
      return;
    const lines = pending;
    pending = [];
    pendingChars = 0;
    const count = dropped;
    dropped = 0;
    post({ type: "log", lines, dropped: count });
  };
  function admit() {
    if (pending.length >= MAX_PENDING || pendingChars >= MAX_PENDING_CHARS || budget.take(1, now()) === 0) {
      dropped++;
      droppedUnsaid++;
      if (!scheduled)
        schedule();
      return false;
    }
    return true;
  }
  function schedule() {
    scheduled = true;
    setTimeout(flush, 0);
  }
  let saidAt = Number.NEGATIVE_INFINITY;
  function push(level, text) {
    if (droppedUnsaid > 0 && now() - saidAt >= SAY_DROPPED_EVERY_MS) {
      pending.push(line("warn", `[buntime] ${droppedUnsaid} log lines dropped: over ${RATE} lines/s`, undefined));
      droppedUnsaid = 0;
      saidAt = now();
    }
    const made = line(level, text, context.getStore());
    pendingChars += made.message.length;
    pending.push(made);
    if (!scheduled)
      schedule();
  }
  let indent = "";
  const indented = (text) => indent === "" ? text : indent + text.replaceAll(`
`, `
${indent}`);
  const say = (level, make) => {
    if (admit())
      push(level, indented(make()));
  };
  const write = (level) => function captured(...args) {
    say(level, () => formatted(args));
  };
  const out = targets.console;
  out.log = write("info");
  out.info = write("info");
  out.debug = write("debug");
  out.warn = write("warn");
  out.error = write("error");
  out.dirxml = write("info");
  out.trace = (...args) => {
    if (!admit())
      return;
    const stack = (new Error().stack ?? "").split(`
`).slice(2).join(`
`);
    push("debug", indented(`Trace${args.length > 0 ? `: ${formatted(args)}` : ""}
${stack}`));
  };
  out.dir = (value) => say("info", () => Bun.inspect(value));
  out.table = (data, properties) => say("info", () => typeof data === "object" && data !== null ? Bun.inspect.table(data, properties).trimEnd() : formatted([data]));
  out.assert = (condition, ...args) => {
    if (!condition)
      say("error", () => args.length > 0 ? `Assertion failed: ${formatted(args)}` : "Assertion failed");
  };
  const counts = new Map;
  out.count = (label = "default") => {
    const n = (counts.get(String(label)) ?? 0) + 1;
    counts.set(String(label), n);
    say("info", () => `${label}: ${n}`);
  };
  out.countReset = (label = "default") => void counts.delete(String(label));
  const timers = new Map;
  const elapsed = (label, data) => {
    const started = timers.get(label);
    if (started === undefined)
      return say("warn", () => `Timer "${label}" does not exist`);
    const ms = now() - started;
    say("info", () => `${label}: ${ms.toFixed(3)}ms${data.length > 0 ? ` ${formatted(data)}` : ""}`);
  };
  out.time = (label = "default") => void timers.set(String(label), now());
  out.timeLog = (label = "default", ...data) => elapsed(String(label), data);
  out.timeEnd = (label = "default") => {
    elapsed(String(label), []);
    timers.delete(String(label));
  };
  out.group = (...label) => {
    if (label.length > 0)
      say("info", () => formatted(label));
    indent += "  ";
  };
  out.groupCollapsed = out.group;
  out.groupEnd = () => {
    indent = indent.slice(2);
  };
  out.write = (...data) => {
    say("info", () => data.map((part) => ArrayBuffer.isView(part) || part instanceof ArrayBuffer ? decoder2.decode(part) : String(part)).join(""));
    return 0;
  };
  for (const name of ["clear", "timeStamp", "profile", "profileEnd", "record", "recordEnd", "screenshot"]) {
    if (typeof out[name] === "function")
      out[name] = () => {};
  }
  targets.stdio((fd, chunk) => {
    if (!admit())
      return;
    const text = typeof chunk === "string" ? chunk : decoder2.decode(chunk);
    push(fd === 1 ? "info" : "error", text.endsWith(`
`) ? text.slice(0, -1) : text);
  });
  return flush;
}
function line(level, text, tags) {
  const message = text.length > MAX_LINE_CHARS ? `${text.slice(0, MAX_LINE_CHARS)}\u2026[truncated]` : text;
  const out = { level, time: Date.now(), message };
  if (tags?.requestId !== undefined)
    out.requestId = tags.requestId;
  if (tags?.traceparent !== undefined)
    out.traceparent = tags.traceparent;
  return out;
}
var decoder2 = new TextDecoder;
var format;
function formatted(args) {
  if (args.every((arg) => typeof arg === "string") && (args.length < 2 || !args[0].includes("%"))) {
    return args.join(" ");
  }
  format ??= require("util").format;
  return format(...args);
}

// server/src/guest/request-signal.ts
class GuestRequest extends Request {
  #abort;
  constructor(url, init, abort) {
    super(url, init);
    this.#abort = abort;
  }
  get signal() {
    const state = this.#abort;
    if (!state)
      return super.signal;
    if (!state.controller) {
      state.controller = new AbortController;
      if (state.reason)
        state.controller.abort(state.reason);
    }
    return state.controller.signal;
  }
}

class RequestAborts {
  #states = new IdTable;
  request(id, url, init) {
    const state = { controller: undefined, reason: undefined };
    this.#states.set(id, state);
    return new GuestRequest(url, init, state);
  }
  abort(id, reason) {
    const state = this.#states.get(id);
    if (!state || state.reason)
      return;
    state.reason = new Error(reason);
    state.controller?.abort(state.reason);
  }
  delete(id) {
    this.#states.delete(id);
  }
  get size() {
    return this.#states.size;
  }
}

// server/src/guest/routes.ts
function compileRoutes(routes) {
  const matchers = Object.entries(routes).map(([path, route]) => {
    const segments = path.split("/").filter(Boolean);
    const wildcard = segments.at(-1) === "*";
    return { segments: wildcard ? segments.slice(0, -1) : segments, wildcard, route };
  });
  matchers.sort((a, b) => score(b) - score(a));
  return (request) => {
    const parts = new URL(request.url).pathname.split("/").filter(Boolean);
    for (const matcher of matchers) {
      const params = match(matcher, parts);
      if (params === undefined)
        continue;
      const handler = pick(matcher.route, request.method);
      if (handler === undefined)
        return new Response("Method Not Allowed", { status: 405 });
      if (handler instanceof Response)
        return handler.clone();
      Object.defineProperty(request, "params", { value: params, enumerable: true });
      return handler(request);
    }
    return;
  };
}
function score(m) {
  const statics = m.segments.filter((s) => !s.startsWith(":")).length;
  return (m.wildcard ? 0 : 1000) + statics * 10 + m.segments.length;
}
function match(m, parts) {
  if (m.wildcard ? parts.length < m.segments.length : parts.length !== m.segments.length)
    return;
  const params = {};
  for (const [i, segment] of m.segments.entries()) {
    const part = parts[i];
    if (segment.startsWith(":"))
      params[segment.slice(1)] = decodeURIComponent(part);
    else if (segment !== part)
      return;
  }
  return params;
}
function pick(route, method) {
  if (route instanceof Response || typeof route === "function")
    return route;
  return route[method] ?? (method === "HEAD" ? route.GET : undefined);
}

// server/src/guest/spawn-env.ts
function patchSpawnEnv() {
  const { spawn, spawnSync } = Bun;
  const withEnv = (args) => {
    const [first, second] = args;
    if (Array.isArray(first))
      return [first, { ...second, env: second?.env ?? { ...process.env } }];
    const options = first;
    return [{ ...options, env: options.env ?? { ...process.env } }, ...args.slice(1)];
  };
  Object.assign(Bun, {
    spawn: (...args) => spawn(...withEnv(args)),
    spawnSync: (...args) => spawnSync(...withEnv(args))
  });
}

// server/src/guest/websocket.ts
class GuestSockets {
  #post;
  #handlers;
  #requests = new WeakMap;
  #upgrades = new IdTable;
  #sockets = new IdTable;
  #acks = new IdTable;
  #acking = new Set;
  server;
  constructor(post, handlers) {
    this.#post = post;
    this.#handlers = handlers;
    const sockets = this;
    this.server = {
      upgrade(request, options) {
        return sockets.#upgrade(request, options);
      },
      publish(topic, data) {
        return sockets.publish(0, topic, data);
      },
      get pendingWebSockets() {
        return sockets.#sockets.size;
      }
    };
  }
  track(request, id) {
    this.#requests.set(request, id);
  }
  settle(id) {
    const upgrade = this.#upgrades.get(id);
    if (!upgrade)
      return false;
    this.#upgrades.delete(id);
    this.#sockets.set(id, new GuestWebSocket(id, upgrade.data, this));
    this.#post({ type: "upgrade", id, headers: upgrade.headers });
    return true;
  }
  forget(id) {
    this.#upgrades.delete(id);
  }
  opened(socket, remoteAddress) {
    const ws = this.#sockets.get(socket);
    if (!ws)
      return;
    ws.opened(remoteAddress);
    this.#call(ws, (h) => h.open?.(ws));
  }
  message(message) {
    const ws = this.#sockets.get(message.socket);
    if (!ws)
      return;
    const data = message.text ?? ws.binary(message.chunk ?? new ArrayBuffer(0));
    this.#call(ws, (h) => h.message?.(ws, data));
    this.#ack(message.socket, wsSize(message));
  }
  closed(message) {
    const ws = this.#sockets.get(message.socket);
    if (!ws)
      return;
    this.#sockets.delete(message.socket);
    this.#acks.delete(message.socket);
    const wasOpen = ws.readyState === 1 || ws.readyState === 2;
    ws.readyState = 3;
    if (wasOpen)
      this.#call(ws, (h) => h.close?.(ws, message.code, message.reason));
  }
  drained(socket, bytes) {
    const ws = this.#sockets.get(socket);
    if (ws?.credited(bytes))
      this.#call(ws, (h) => h.drain?.(ws));
  }
  publish(socket, topic, data) {
    checkTopic(topic);
    const frame = frameOf(data);
    this.#post({ type: "ws-publish", socket, topic, ...frame });
    return wsPayload(frame);
  }
  post(message) {
    this.#post(message);
  }
  #upgrade(request, options) {
    const id = this.#requests.get(request);
    if (id === undefined || this.#upgrades.has(id) || this.#sockets.has(id))
      return false;
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket")
      return false;
    const headers = [...new Headers(options?.headers)];
    this.#upgrades.set(id, { data: options?.data, headers });
    return true;
  }
  #call(ws, run) {
    const handlers = this.#handlers();
    if (!handlers)
      return;
    const fail = (error) => {
      try {
        if (handlers.error)
          handlers.error(ws, error);
        else
          console.error("[buntime] websocket handler threw:", error);
      } catch (inner) {
        console.error("[buntime] websocket error handler threw:", inner);
      }
    };
    try {
      const result = run(handlers);
      if (result instanceof Promise)
        result.catch(fail);
    } catch (error) {
      fail(error);
    }
  }
  #ack(socket, bytes) {
    const due = (this.#acks.get(socket) ?? 0) + bytes;
    this.#acks.set(socket, due);
    if (due < WS_FLOW.step || this.#acking.has(socket))
      return;
    this.#acking.add(socket);
    queueMicrotask(() => {
      this.#acking.delete(socket);
      const total = this.#acks.get(socket) ?? 0;
      if (!this.#sockets.has(socket) || total === 0)
        return;
      this.#acks.set(socket, 0);
      this.#post({ type: "ws-ack", socket, bytes: total });
    });
  }
}

class GuestWebSocket {
  #id;
  #sockets;
  #topics = new Set;
  #pending = 0;
  #wantsDrain = false;
  data;
  readyState = 0;
  remoteAddress = "";
  binaryType = "nodebuffer";
  constructor(id, data, sockets) {
    this.#id = id;
    this.data = data;
    this.#sockets = sockets;
  }
  opened(remoteAddress) {
    this.readyState = 1;
    this.remoteAddress = remoteAddress;
  }
  binary(buffer) {
    if (this.binaryType === "arraybuffer")
      return buffer;
    if (this.binaryType === "uint8array")
      return new Uint8Array(buffer);
    return Buffer.from(buffer);
  }
  credited(bytes) {
    this.#pending = Math.max(0, this.#pending - bytes);
    if (!this.#wantsDrain || this.#pending > WS_FLOW.window / 2 || this.readyState !== 1)
      return false;
    this.#wantsDrain = false;
    return true;
  }
  get subscriptions() {
    return [...this.#topics];
  }
  send(data, _compress) {
    if (this.readyState !== 1)
      return 0;
    const frame = frameOf(data);
    const size = wsSize(frame);
    if (this.#pending + size > WS_FLOW.hardLimit) {
      this.#wantsDrain = true;
      return 0;
    }
    this.#pending += size;
    this.#sockets.post({ type: "ws-send", socket: this.#id, ...frame });
    if (this.#pending > WS_FLOW.window) {
      this.#wantsDrain = true;
      return -1;
    }
    return wsPayload(frame);
  }
  sendText(data, compress) {
    return this.send(String(data), compress);
  }
  sendBinary(data, compress) {
    return this.send(data, compress);
  }
  close(code, reason) {
    if (this.readyState !== 1)
      return;
    this.readyState = 2;
    const message = { type: "ws-end", socket: this.#id, terminate: false };
    this.#sockets.post({
      ...message,
      ...code !== undefined && Number.isInteger(code) && code >= 1000 && code <= 4999 && { code },
      ...reason !== undefined && { reason: String(reason).slice(0, 123) }
    });
  }
  terminate() {
    if (this.readyState !== 1 && this.readyState !== 2)
      return;
    this.readyState = 2;
    this.#sockets.post({ type: "ws-end", socket: this.#id, terminate: true });
  }
  subscribe(topic) {
    checkTopic(topic);
    if (this.readyState !== 1 || this.#topics.has(topic))
      return;
    if (this.#topics.size >= MAX_TOPICS_PER_SOCKET)
      throw new RangeError(`a socket subscribes to at most ${MAX_TOPICS_PER_SOCKET} topics`);
    this.#topics.add(topic);
    this.#sockets.post({ type: "ws-subscribe", socket: this.#id, topic, on: true });
  }
  unsubscribe(topic) {
    if (this.readyState !== 1 || !this.#topics.delete(topic))
      return;
    this.#sockets.post({ type: "ws-subscribe", socket: this.#id, topic, on: false });
  }
  isSubscribed(topic) {
    return this.#topics.has(topic);
  }
  publish(topic, data, _compress) {
    if (this.readyState !== 1)
      return 0;
    return this.#sockets.publish(this.#id, topic, data);
  }
  publishText(topic, data, compress) {
    return this.publish(topic, String(data), compress);
  }
  publishBinary(topic, data, compress) {
    return this.publish(topic, data, compress);
  }
  cork(callback) {
    return callback(this);
  }
  getBufferedAmount() {
    return this.#pending;
  }
  ping() {
    return 0;
  }
  pong() {
    return 0;
  }
}
function checkTopic(topic) {
  if (typeof topic !== "string" || topic.length > MAX_TOPIC_CHARS) {
    throw new TypeError(`a topic is a string of at most ${MAX_TOPIC_CHARS} characters`);
  }
}
function frameOf(data) {
  if (typeof data === "string")
    return { text: data };
  if (ArrayBuffer.isView(data)) {
    return { chunk: copyBytes(new Uint8Array(data.buffer, data.byteOffset, data.byteLength)) };
  }
  if (data instanceof ArrayBuffer || data instanceof SharedArrayBuffer)
    return { chunk: copyBytes(new Uint8Array(data)) };
  return { text: String(data) };
}

// server/src/guest/entry.ts
var app;
var maxMemoryBytes = 0;
var handle;
var bodyWaiters = new IdTable;
var responses = new IdTable;
var aborts = new RequestAborts;
var channel = hostChannel();
var post = createSender((data, transfer) => channel.post(data, transfer));
var sockets = new GuestSockets(post, () => app?.websocket);
patchSpawnEnv();
var flushLogs = captureLogs(post);
patchResponse();
process.on("unhandledRejection", (reason) => {
  console.error("[buntime] unhandled rejection in app code:", reason);
});
channel.listen((data) => {
  try {
    receive(data, dispatch);
  } catch (error) {
    console.error("[buntime] guest failed to handle a message:", error);
  }
});
function dispatch(message) {
  switch (message.type) {
    case "init":
      start(message);
      return;
    case "request":
      serveTagged(message);
      return;
    case "request-chunk": {
      const waiter = bodyWaiters.get(message.id);
      bodyWaiters.delete(message.id);
      waiter?.(message.chunk, message.error);
      return;
    }
    case "response-pull":
      responses.get(message.id)?.pull();
      return;
    case "abort":
      bodyWaiters.get(message.id)?.(null, message.reason);
      bodyWaiters.delete(message.id);
      aborts.abort(message.id, message.reason);
      responses.get(message.id)?.cancel(message.reason);
      return;
    case "ping":
      reportMemory(message.seq);
      return;
    case "idle":
      Promise.resolve().then(() => app?.onIdle?.()).catch((error) => console.error("[buntime] onIdle threw:", error));
      return;
    case "stop":
      stop();
      return;
    case "scheduled":
      runScheduled(message);
      return;
    case "ws-open":
      sockets.opened(message.socket, message.remoteAddress);
      return;
    case "ws-message":
      sockets.message(message);
      return;
    case "ws-close":
      sockets.closed(message);
      return;
    case "ws-drain":
      sockets.drained(message.socket, message.bytes);
      return;
    default:
      unreachable(message);
  }
}
async function start(init) {
  maxMemoryBytes = init.maxMemoryBytes;
  try {
    if (init.kind === "static") {
      const { createStaticHandler } = await import("./static.ts");
      handle = createStaticHandler(init.entrypoint);
    } else {
      const module2 = await import(init.entrypoint);
      const candidate = module2.default ?? module2;
      if (typeof candidate?.fetch !== "function") {
        throw new Error(`${init.entrypoint} has no default export with a fetch(request) function`);
      }
      app = candidate;
      const routed = candidate.routes ? compileRoutes(candidate.routes) : undefined;
      const fetch = candidate.fetch.bind(candidate);
      handle = routed ? (request, server) => routed(request) ?? fetch(request, server) : fetch;
    }
    post({ type: "ready", onIdle: typeof app?.onIdle === "function" });
  } catch (error) {
    post({ type: "start-failed", message: describe(error) });
  }
}
function serveTagged(message) {
  const { headers } = message;
  const requestId = headers["x-request-id"];
  const traceparent = headers.traceparent;
  return inRequest({
    requestId: typeof requestId === "string" ? requestId : undefined,
    traceparent: typeof traceparent === "string" ? traceparent : undefined
  }, () => serve(message));
}
function serve(message) {
  const { id } = message;
  let answer;
  try {
    if (!handle)
      throw new Error("request before the app was ready");
    const hasBody = message.body !== null && message.method !== "GET" && message.method !== "HEAD";
    const request = aborts.request(id, message.url, {
      method: message.method,
      headers: requestHeaders(message.headers),
      body: hasBody ? message.body === "stream" ? pullRequestBody(id) : message.body : null,
      duplex: "half"
    });
    sockets.track(request, id);
    answer = handle(request, sockets.server);
    if (typeof answer?.then === "function") {
      return Promise.resolve(answer).then((response) => respond(id, response), (error) => failed(id, error));
    }
  } catch (error) {
    return failed(id, error);
  }
  return respond(id, answer);
}
function respond(id, response) {
  let reading;
  try {
    if (!sockets.settle(id)) {
      if (!(response instanceof Response)) {
        throw new Error(`fetch returned ${typeof response}, not a Response`);
      }
      if (response.status < 200) {
        throw new Error(`fetch returned a Response with status ${response.status} (an upgrade is server.upgrade())`);
      }
      const headers = [...response.headers];
      const text = inlineText(response);
      if (text !== undefined)
        sendHead(id, response, headers, null, text);
      else
        reading = readBody(id, response).then((body) => sendHead(id, response, headers, body, undefined));
    }
  } catch (error) {
    sendError(id, error);
  }
  if (reading === undefined)
    return ended(id);
  return reading.then(() => ended(id), (error) => failed(id, error));
}
function sendHead(id, response, headers, body, text) {
  const { status, statusText } = response;
  flushLogs();
  post({ type: "response-head", id, status, statusText, headers, body, ...text !== undefined && { text } });
}
function sendError(id, error) {
  sockets.forget(id);
  flushLogs();
  post({ type: "app-error", id, message: describe(error), midStream: false });
}
function failed(id, error) {
  sendError(id, error);
  ended(id);
}
function ended(id) {
  if (responses.has(id))
    return;
  aborts.delete(id);
  afterRequest();
}
async function runScheduled(message) {
  const { id, cron, scheduledTime } = message;
  try {
    if (typeof app?.scheduled !== "function")
      throw new Error("the app has no scheduled({ cron, scheduledTime }) handler");
    await app.scheduled({ cron, scheduledTime });
    post({ type: "response-head", id, status: 204, statusText: "", headers: [], body: null });
  } catch (error) {
    post({ type: "app-error", id, message: describe(error), midStream: false });
  } finally {
    afterRequest();
  }
}
function requestHeaders(record) {
  return Array.isArray(record["set-cookie"]) ? listedHeaders(record) : record;
}
function listedHeaders(record) {
  const headers = new Headers;
  for (const [name, value] of Object.entries(record)) {
    for (const one of Array.isArray(value) ? value : [value])
      headers.append(name, one);
  }
  return headers;
}
async function readBody(id, response) {
  if (isWholeBody(response))
    return response.arrayBuffer();
  if (response.body === null)
    return null;
  const stream = new ResponseStream(id, response.body.getReader());
  const whole = await stream.readAtOnce();
  if (whole !== undefined)
    return whole;
  responses.set(id, stream);
  return "stream";
}
function pullRequestBody(id) {
  return new ReadableStream({
    pull(controller) {
      return new Promise((resolve) => {
        bodyWaiters.set(id, (chunk, error) => {
          if (error !== undefined)
            controller.error(new Error(error));
          else if (chunk === null)
            controller.close();
          else
            controller.enqueue(new Uint8Array(chunk));
          resolve();
        });
        post({ type: "request-pull", id });
      });
    },
    cancel() {
      bodyWaiters.delete(id);
    }
  });
}
var READY_TURNS = 4;

class ResponseStream {
  id;
  reader;
  #pending;
  #buffered = [];
  constructor(id, reader) {
    this.id = id;
    this.reader = reader;
  }
  async readAtOnce() {
    let size = 0;
    while (size <= WHOLE_BODY_LIMIT) {
      const read = this.reader.read();
      let result;
      read.then((value) => {
        result = value;
      }, () => {});
      for (let turn = 0;turn < READY_TURNS && result === undefined; turn++)
        await null;
      if (result === undefined) {
        this.#pending = read;
        return;
      }
      if (result.done)
        return concat(this.#buffered, size);
      this.#buffered.push(result.value);
      size += result.value.byteLength;
    }
    return;
  }
  async pull() {
    try {
      const next = this.#buffered.shift();
      if (next) {
        this.#send(next);
        return;
      }
      const result = await (this.#pending ?? this.reader.read());
      this.#pending = undefined;
      if (result.done) {
        this.#forget();
        post({ type: "response-chunk", id: this.id, chunk: null });
        return;
      }
      this.#send(result.value);
    } catch (error) {
      this.#forget();
      post({ type: "app-error", id: this.id, message: describe(error), midStream: true });
    }
  }
  #send(bytes) {
    if (bytes.byteLength > MAX_CHUNK_BYTES) {
      this.#buffered.unshift(bytes.subarray(MAX_CHUNK_BYTES));
      bytes = bytes.subarray(0, MAX_CHUNK_BYTES);
    }
    post({ type: "response-chunk", id: this.id, chunk: copyBytes(bytes) });
  }
  #forget() {
    afterRequest();
    responses.delete(this.id);
    aborts.delete(this.id);
    bodyWaiters.delete(this.id);
  }
  async cancel(reason) {
    this.#forget();
    await this.reader.cancel(reason).catch(() => {});
  }
}
function concat(chunks, size) {
  if (chunks.length === 1)
    return copyBytes(chunks[0]);
  const out = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out.buffer;
}
async function stop() {
  try {
    await app?.onTerminate?.();
  } catch (error) {
    console.error("[buntime] onTerminate threw:", error);
  }
  flushLogs();
  post({ type: "stopped" });
}
var startRss = isChildProcess() ? process.memoryUsage().rss : undefined;
function reportMemory(seq) {
  const usage = process.memoryUsage();
  const { rss } = usage;
  const heapUsed = startRss === undefined ? usage.heapUsed : Math.max(usage.heapUsed, rss - startRss);
  if (seq !== 0 || heapUsed > maxMemoryBytes)
    post({ type: "pong", seq, heapUsed, rss });
}
function afterRequest() {
  if (maxMemoryBytes > 0)
    reportMemory(0);
}
function describe(error) {
  try {
    return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  } catch {
    return "a thrown value that cannot be shown as text";
  }
}
})
