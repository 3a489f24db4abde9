import type { AppVersion } from "../apps/config.ts";
import { GUEST_ENTRY } from "../guest/paths.ts";
import type { Wire } from "../protocol/protocol.ts";

/**
 * What a worker's transport tells its `WorkerInstance`. Given when the transport opens, so
 * nothing the worker posts early is lost.
 */
export interface TransportHandlers {
  /** One post of the worker (a `Wire`, unchecked: the instance checks it). */
  onMessage(data: unknown): void;
  /** An error the worker may not survive (an uncaught exception in a thread). */
  onError(message: string): void;
  /** The worker is gone; `how` says how when known (an exit code, a signal, the OOM killer). */
  onClose(how?: string): void;
}

/**
 * One worker's channel, whatever runs it: a thread (`openThread`) or a child process
 * (`isolation/process-transport.ts`). The pool, the lifecycle and the protocol above it are the
 * same code in both modes.
 */
export interface Transport {
  /** Sends one post of the host's `createSender` (`transfer`: buffers it may move, not copy). */
  post(data: Wire, transfer?: ArrayBuffer[]): void;
  /** Ends the worker now; `onClose` follows (a thread blocked in a system call may never close). */
  terminate(): void;
}

/** Opens a worker for `app`, loading `preload` first. */
export type OpenTransport = (app: AppVersion, handlers: TransportHandlers, preload: string[]) => Transport;

/** A Bun Worker thread in the server's process: `isolation: "thread"`. */
export const openThread: OpenTransport = (app, handlers, preload) => {
  const worker = new Worker(GUEST_ENTRY, {
    env: { ...app.config.env },
    smol: app.config.lowMemory,
    ...(preload.length > 0 ? { preload } : {}),
  });
  worker.addEventListener("message", (event: MessageEvent<unknown>) => handlers.onMessage(event.data));
  worker.addEventListener("error", (event) => handlers.onError(`uncaught ${summarise(event)}`));
  worker.addEventListener("close", () => handlers.onClose());
  return {
    post: (data, transfer) => (transfer ? worker.postMessage(data, transfer) : worker.postMessage(data)),
    terminate: () => worker.terminate(),
  };
};

/** The `error: message` line of a worker's ErrorEvent, without Bun's source excerpt. */
function summarise(event: ErrorEvent): string {
  const error = event.error as unknown;
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  const line = event.message.split("\n").find((l) => /^\w*error: /i.test(l.trim()));
  return (line ?? event.message).trim().slice(0, 500);
}
