/**
 * A guest entry in a real Worker thread, driven as the host drives it (tests of the guest:
 * server/src/guest/entry.test.ts, generated.test.ts).
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { createSender, type GuestMessage, receive } from "../../server/src/protocol/protocol.ts";

export interface OpenGuest {
  /** Sends a host message (batched per turn, as the host does). */
  send: ReturnType<typeof createSender>;
  /** The first message of `type` the worker posted (waits for it); of any type without one. */
  next<T extends GuestMessage["type"]>(type?: T): Promise<Extract<GuestMessage, { type: T }>>;
  /** Everything the worker posted so far. */
  received: GuestMessage[];
  dispose(): void;
}

/** Starts `entry` in a worker and sends it `init` for app `name` made of `source`, written in `dir`. */
export function openGuest(entry: string, dir: string, name: string, source: string): OpenGuest {
  const entrypoint = join(dir, `${name}.ts`);
  writeFileSync(entrypoint, source);
  const worker = new Worker(entry, { env: {} });
  const received: GuestMessage[] = [];
  const waiting = new Set<() => void>();
  worker.addEventListener("message", (event: MessageEvent<unknown>) => {
    receive<GuestMessage>(event.data, (message) => received.push(message));
    for (const wake of waiting) wake();
  });
  const send = createSender((data, transfer) => worker.postMessage(data, transfer ?? []));
  const next = <T extends GuestMessage["type"]>(type?: T) =>
    new Promise<Extract<GuestMessage, { type: T }>>((resolve) => {
      const check = () => {
        const found = received.find((m) => type === undefined || m.type === type);
        if (found === undefined) return;
        waiting.delete(check);
        resolve(found as Extract<GuestMessage, { type: T }>);
      };
      waiting.add(check);
      check();
    });
  send({ type: "init", name, version: "1.0.0", dir, entrypoint, kind: "module", maxMemoryBytes: 0 });
  return { send, next, received, dispose: () => worker.terminate() };
}
