/**
 * A WorkerPool whose workers are fakes the test drives by hand: it sees every message the host
 * sends them, and makes them answer (`ready`, `answer`) when it wants. For pool races that real
 * threads make hard to pin down (an event handled inside another).
 */
import { workerConfigSchema } from "../../sdk/src/worker-config.ts";
import type { AppVersion } from "../../server/src/apps/config.ts";
import { WorkerPool } from "../../server/src/pool/pool.ts";
import type { TransportHandlers } from "../../server/src/pool/transport.ts";
import { silentLogger } from "../../server/src/util/log.ts";

export interface FakeWorker {
  app: string;
  /** What the host sent it, parsed. */
  got: { type: string; id?: number }[];
  ready(): void;
  /** Answers request `id` 200 "ok". */
  answer(id: number): void;
}

/** An app version of `config` that no real worker could load (the fakes load nothing). */
export function fakeApp(name: string, config: Record<string, unknown> = {}): AppVersion {
  const dir = `/nonexistent/${name}`;
  return {
    name,
    version: "1.0.0",
    dir,
    entrypoint: `${dir}/index.ts`,
    kind: "module",
    config: workerConfigSchema.parse(config),
  } as AppVersion;
}

/** A pool of `size` over fake workers; `workers` lists them in the order they were opened. */
export function fakePool(size: number): { pool: WorkerPool; workers: FakeWorker[] } {
  const workers: FakeWorker[] = [];
  const pool = new WorkerPool({
    size,
    logger: silentLogger,
    openTransport: () => (app, handlers: TransportHandlers) => {
      const send = (message: object) => handlers.onMessage(JSON.stringify(message));
      const worker: FakeWorker = {
        app: app.name,
        got: [],
        ready: () => send({ type: "ready", onIdle: false }),
        answer: (id) =>
          send({ type: "response-head", id, status: 200, statusText: "", headers: [], body: null, text: "ok" }),
      };
      workers.push(worker);
      return {
        post: (data) => {
          for (const line of (typeof data === "string" ? data : data[0]).split("\n")) {
            const message = JSON.parse(line.replace(/^[BC]/, "")) as { type: string; id?: number };
            worker.got.push(message);
            if (message.type === "stop") queueMicrotask(() => send({ type: "stopped" }));
          }
        },
        terminate: () => void setTimeout(() => handlers.onClose(), 1),
      };
    },
  });
  return { pool, workers };
}

/** A forwarded request for `path`. */
export function forwarded(path = "/") {
  return { request: new Request(`http://x${path}`), url: `http://x${path}`, headers: {} };
}
