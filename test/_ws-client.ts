/**
 * A WebSocket client for tests: every message and the close kept, and promises to wait on them
 * (events, not sleeps).
 */
export interface TestSocket {
  ws: WebSocket;
  /** Every message so far (binary as Uint8Array). */
  messages: (string | Uint8Array)[];
  /** Resolves with the message at `index` (0-based) once it arrived. */
  nth(index: number): Promise<string | Uint8Array>;
  /** Resolves with the first message from `from` on that `predicate` accepts. */
  next(predicate: (message: string | Uint8Array) => boolean, from?: number): Promise<string | Uint8Array>;
  /** Resolves with the close's code and reason. */
  closed: Promise<{ code: number; reason: string }>;
}

/** Opens `url` (http(s) turned to ws(s)); resolves once open, rejects if it closes first. */
export async function openSocket(url: string, headers?: Record<string, string>): Promise<TestSocket> {
  const ws = new WebSocket(url.replace(/^http/, "ws"), headers ? ({ headers } as unknown as string[]) : undefined);
  ws.binaryType = "arraybuffer";
  const messages: (string | Uint8Array)[] = [];
  let waiters: (() => void)[] = [];
  const wake = () => {
    const now = waiters;
    waiters = [];
    for (const waiter of now) waiter();
  };
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    ws.addEventListener("close", (event) => {
      resolve({ code: event.code, reason: event.reason });
      wake();
    });
  });
  ws.addEventListener("message", (event) => {
    messages.push(typeof event.data === "string" ? event.data : new Uint8Array(event.data as ArrayBuffer));
    wake();
  });
  const until = async <T>(check: () => T | undefined): Promise<T> => {
    for (;;) {
      const found = check();
      if (found !== undefined) return found;
      if (ws.readyState === WebSocket.CLOSED)
        throw new Error(`socket closed while waiting (${messages.length} messages)`);
      await new Promise<void>((resolve) => waiters.push(resolve));
    }
  };
  await new Promise<void>((resolve, reject) => {
    ws.addEventListener("open", () => resolve(), { once: true });
    ws.addEventListener("close", (event) => reject(new Error(`closed before open: ${event.code}`)), { once: true });
  });
  return {
    ws,
    messages,
    closed,
    nth: (index) => until(() => messages[index]),
    next: (predicate, from = 0) => until(() => messages.slice(from).find(predicate)),
  };
}
