import { describe, expect, test } from "bun:test";
import type { SupervisedServer } from "../supervised-server.ts";
import { FIRST_DELAY_MS } from "./backoff.ts";
import { superviseGroup } from "./group.ts";

/** A server that records its signals and exits when told to. */
function fakeServer(pid: number, ignoresTerm = false) {
  const exit = Promise.withResolvers<number>();
  const signals: string[] = [];
  const server: SupervisedServer & { signals: string[]; exit(code: number): void } = {
    pid,
    exited: exit.promise,
    signals,
    kill(signal) {
      signals.push(signal);
      if ((signal === "SIGTERM" || signal === "SIGINT") && !ignoresTerm) exit.resolve(0);
      if (signal === "SIGKILL") exit.resolve(137);
    },
    exit: (code) => exit.resolve(code),
  };
  return server;
}

function group(count: number, options: { restart?: boolean; deadlineMs?: number } = {}) {
  const servers = Array.from({ length: count }, (_, i) => fakeServer(100 + i));
  const started: ReturnType<typeof fakeServer>[] = [];
  const exitedPids: number[] = [];
  const lines: string[] = [];
  const handle = superviseGroup({
    servers,
    deadlineMs: options.deadlineMs ?? 10_000,
    readySignal: "SIGUSR2",
    restart:
      options.restart === false
        ? undefined
        : async () => {
            const server = fakeServer(200 + started.length);
            started.push(server);
            return server;
          },
    onExit: (pid) => exitedPids.push(pid),
    log: (line) => lines.push(line),
  });
  return { handle, servers, started, exitedPids, lines };
}

/** Resolves once `check` holds, polling the event loop (the restart waits on a real timer). */
async function until(check: () => boolean, ms = 5000): Promise<void> {
  const end = performance.now() + ms;
  while (!check()) {
    if (performance.now() > end) throw new Error("timed out");
    await Bun.sleep(5);
  }
}

describe("superviseGroup", () => {
  test("each process gets the go-ahead; SIGTERM goes to all and the group exits 0 once all have", async () => {
    const { handle, servers, exitedPids } = group(3);
    expect(servers.map((s) => s.signals)).toEqual([["SIGUSR2"], ["SIGUSR2"], ["SIGUSR2"]]);
    handle.signal("SIGTERM");
    expect(await handle.exited).toBe(0);
    expect(servers.every((s) => s.signals.includes("SIGTERM"))).toBe(true);
    expect(exitedPids.sort()).toEqual([100, 101, 102]);
  });

  test("a process that exits is replaced after the first delay, and the new one gets the go-ahead", async () => {
    const { handle, servers, started, lines } = group(2);
    const crashed = performance.now();
    servers[1]?.exit(137);
    await until(() => started.length === 1);
    expect(performance.now() - crashed).toBeGreaterThanOrEqual(FIRST_DELAY_MS - 5);
    expect(started[0]?.signals).toEqual(["SIGUSR2"]);
    expect(lines[0]).toContain("process 1 (pid 101) exited with status 137; restarting it in 100 ms");
    handle.signal("SIGINT");
    expect(await handle.exited).toBe(0);
    expect(started[0]?.signals).toContain("SIGINT");
  });

  test("status 2 (a configuration error) is not restarted: the others are stopped and the group exits 2", async () => {
    const { handle, servers, started } = group(2);
    servers[0]?.exit(2);
    expect(await handle.exited).toBe(2);
    expect(servers[1]?.signals).toContain("SIGTERM");
    expect(started).toEqual([]);
  });

  test("without the environment nothing is restarted: the group exits once all have, with the worst status", async () => {
    const { handle, servers, lines } = group(2, { restart: false });
    servers[0]?.exit(137);
    servers[1]?.exit(1);
    expect(await handle.exited).toBe(137);
    expect(lines.join("\n")).toContain("cannot be restarted");
  });

  test("a restart waiting for its delay is dropped by SIGTERM", async () => {
    const { handle, servers, started, lines } = group(2);
    servers[0]?.exit(137);
    await until(() => lines.length === 1); // the restart is scheduled
    handle.signal("SIGTERM");
    expect(await handle.exited).toBe(0);
    await Bun.sleep(FIRST_DELAY_MS * 2);
    expect(started).toEqual([]);
  });

  test("a process still running at the deadline after SIGTERM is killed", async () => {
    const stubborn = fakeServer(300, true);
    const handle = superviseGroup({
      servers: [stubborn, fakeServer(301)],
      deadlineMs: 50,
      readySignal: "SIGUSR2",
      restart: undefined,
      onExit: () => {},
      log: () => {},
    });
    handle.signal("SIGTERM");
    expect(await handle.exited).toBe(137);
    expect(stubborn.signals).toEqual(["SIGUSR2", "SIGTERM", "SIGKILL"]);
  });
});
