/**
 * The side channel of a server process in a group (docs/cluster.md#processes): a small HTTP
 * server on a Unix socket in the group's private folder, through which a sibling asks what only
 * this process knows (its metrics). PORT cannot serve for it: with `reusePort`, the kernel
 * chooses which process a connection reaches, so a process cannot ask a given sibling there.
 * The folder is the supervisor's, mode 0700: only the server's user reaches the sockets.
 */
import { rmSync } from "node:fs";
import { type ProcessIdentity, socketPath } from "./identity.ts";

/** How long a sibling gets to answer; a process restarting is left out rather than waited for. */
export const SIBLING_TIMEOUT_MS = 2000;

/** A path on the side channel and what answers it (JSON-serialisable). */
export type SideChannelHandlers = Record<string, () => unknown | Promise<unknown>>;

/** A listening side channel. */
export interface SideChannel {
  /** Stops listening and removes the socket; idempotent. */
  close(): void;
}

/**
 * Listens on this process's socket for `channel`, answering `GET <path>` with the JSON of its
 * handler. A socket left by this index's crashed predecessor is removed first.
 */
export function listenSideChannel(
  identity: ProcessIdentity,
  channel: string,
  handlers: SideChannelHandlers,
): SideChannel {
  const path = socketPath(identity.dir, identity.index, channel);
  rmSync(path, { force: true });
  const server = Bun.serve({
    unix: path,
    development: false,
    async fetch(request) {
      const handler = handlers[new URL(request.url).pathname];
      if (!handler) return Response.json({ error: "no such path" }, { status: 404 });
      return Response.json(await handler());
    },
    error: () => Response.json({ error: "failed" }, { status: 500 }),
  });
  let closed = false;
  return {
    close() {
      if (closed) return;
      closed = true;
      server.stop(true);
      rmSync(path, { force: true });
    },
  };
}

/** One process's answer, or `undefined` when it did not answer (restarting, or gone). */
export interface SiblingAnswer<T> {
  index: number;
  value: T | undefined;
}

/**
 * Asks every process of the group for `path` on `channel`, this one included (through `own`,
 * without a round trip). Answers come in index order; a sibling that does not answer within
 * SIBLING_TIMEOUT_MS counts as not answering.
 */
export async function askAll<T>(
  identity: ProcessIdentity,
  channel: string,
  path: string,
  own: () => T | Promise<T>,
): Promise<SiblingAnswer<T>[]> {
  return Promise.all(
    Array.from({ length: identity.count }, async (_, index): Promise<SiblingAnswer<T>> => {
      if (index === identity.index) return { index, value: await own() };
      try {
        const response = await fetch(`http://localhost${path}`, {
          unix: socketPath(identity.dir, index, channel),
          signal: AbortSignal.timeout(SIBLING_TIMEOUT_MS),
        });
        return { index, value: response.ok ? ((await response.json()) as T) : undefined };
      } catch {
        return { index, value: undefined };
      }
    }),
  );
}
