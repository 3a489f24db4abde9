import { describe, expect, test } from "bun:test";
import {
  canQueue,
  incomingSlots,
  PREWARM_MIN_MAX_REQUESTS,
  pickWorker,
  prewarmFrom,
  retryAfterSeconds,
  shouldPrewarm,
  shouldSpawn,
  successorMayServe,
} from "./policies.ts";
import type { WorkerState } from "./state.ts";

const worker = (accepting: boolean, inFlight: number) => ({ accepts: () => accepting, inFlight });

describe("pickWorker", () => {
  test("takes the least loaded accepting worker", () => {
    expect(pickWorker([worker(true, 3), worker(true, 0), worker(true, 1)], 10)).toBe(1);
  });
  test("skips workers at concurrency and workers that do not accept", () => {
    expect(pickWorker([worker(true, 2), worker(false, 0)], 2)).toBe(-1);
  });
  test("no workers, no pick", () => expect(pickWorker([], 1)).toBe(-1));
  test("never picks the worker it is told to skip (a held successor)", () => {
    const successor = worker(true, 0);
    expect(pickWorker([worker(true, 1), successor], 10, successor)).toBe(0);
    expect(pickWorker([worker(true, 10), successor], 10, successor)).toBe(-1);
  });
});

describe("shouldSpawn", () => {
  const config = { concurrency: 2, maxWorkers: 3 };
  test("spawns the first worker", () => expect(shouldSpawn([], 1, config)).toBe(true));
  test("does not spawn past maxWorkers", () => {
    const busy = { state: "active" as const, inFlight: 2 };
    expect(shouldSpawn([busy, busy, busy], 5, config)).toBe(false);
  });
  test("a starting worker covers `concurrency` waiting requests", () => {
    const starting = { state: "creating" as const, inFlight: 0 };
    expect(shouldSpawn([starting], 2, config)).toBe(false);
    expect(shouldSpawn([starting], 3, config)).toBe(true);
  });
  test("draining workers do not count toward maxWorkers", () => {
    const draining = { state: "draining" as const, inFlight: 1 };
    expect(shouldSpawn([draining, draining, draining], 1, config)).toBe(true);
  });
});

test("canQueue is bounded by maxQueue plus the slots on their way", () => {
  expect(canQueue(0, 1)).toBe(true);
  expect(canQueue(1, 1)).toBe(false);
  expect(canQueue(0, 0)).toBe(false);
  expect(canQueue(2, 1, 2)).toBe(true);
  expect(canQueue(3, 1, 2)).toBe(false);
});

test("incomingSlots counts starting workers and those still allowed to start", () => {
  const config = { concurrency: 2, maxWorkers: 3 };
  expect(incomingSlots([], config)).toBe(6);
  expect(incomingSlots([{ state: "creating", inFlight: 0 }], config)).toBe(6);
  expect(incomingSlots([{ state: "active", inFlight: 2 }], config)).toBe(4);
  expect(
    incomingSlots(
      [
        { state: "active", inFlight: 2 },
        { state: "active", inFlight: 2 },
        { state: "active", inFlight: 2 },
      ],
      config,
    ),
  ).toBe(0);
});

test("retryAfterSeconds stays within 1..30", () => {
  expect(retryAfterSeconds(0.1)).toBe(1);
  expect(retryAfterSeconds(30)).toBe(3);
  expect(retryAfterSeconds(3600)).toBe(30);
});

describe("prewarm", () => {
  const config = { from: prewarmFrom(20), maxRequests: 20 };
  const thousand = { from: prewarmFrom(1000), maxRequests: 1000 };
  /** A worker of the version: `requests` dispatched so far, `inFlight` of them unanswered. */
  const at = (requests: number, inFlight: number, state: WorkerState = "active") => ({ state, inFlight, requests });

  test("prewarmFrom: the last 5 % of maxRequests, at least one, none below the minimum", () => {
    expect(prewarmFrom(1000)).toBe(950);
    expect(prewarmFrom(20)).toBe(19);
    expect(prewarmFrom(PREWARM_MIN_MAX_REQUESTS)).toBe(PREWARM_MIN_MAX_REQUESTS - 1);
    expect(prewarmFrom(PREWARM_MIN_MAX_REQUESTS - 1)).toBe(Number.POSITIVE_INFINITY);
    expect(prewarmFrom(1, 100)).toBe(Number.POSITIVE_INFINITY);
  });

  test("prewarmFrom: twice the requests that arrived during the last start, at most half of maxRequests", () => {
    expect(prewarmFrom(1000, 10)).toBe(950); // 20 < the 5 % floor
    expect(prewarmFrom(1000, 120)).toBe(760);
    expect(prewarmFrom(1000, 400)).toBe(500);
    expect(prewarmFrom(20, 3)).toBe(14);
    expect(prewarmFrom(20, 50)).toBe(10);
  });

  test("under concurrent load, a worker near its end gets a successor", () => {
    const old = at(19, 2);
    expect(shouldPrewarm(old, [old], 0, config)).toBe(true);
    expect(shouldPrewarm(at(960, 5), [], 0, thousand)).toBe(true);
  });

  test("waiting requests are load too (concurrency 1)", () => {
    const old = at(19, 1);
    expect(shouldPrewarm(old, [old], 1, config)).toBe(true);
  });

  test("a sequential trickle (one request in flight, none waiting) never prewarms", () => {
    for (let requests = 1; requests < 20; requests++) {
      const w = at(requests, 1);
      expect(shouldPrewarm(w, [w], 0, config)).toBe(false);
    }
  });

  test("not before the worker is near its end, nor once it reached maxRequests", () => {
    expect(shouldPrewarm(at(18, 5), [], 0, config)).toBe(false);
    expect(shouldPrewarm(at(20, 5), [], 0, config)).toBe(false);
    expect(shouldPrewarm(at(949, 5), [], 0, thousand)).toBe(false);
  });

  test("never with maxRequests below the minimum, whatever the load", () => {
    for (let maxRequests = 1; maxRequests < PREWARM_MIN_MAX_REQUESTS; maxRequests++) {
      for (let requests = 1; requests < maxRequests; requests++) {
        expect(shouldPrewarm(at(requests, 50), [], 10, { from: prewarmFrom(maxRequests, 100), maxRequests })).toBe(
          false,
        );
      }
    }
  });

  test("not for a worker that takes no requests (draining, still starting)", () => {
    expect(shouldPrewarm(at(19, 5, "draining"), [], 0, config)).toBe(false);
    expect(shouldPrewarm(at(19, 5, "creating"), [], 0, config)).toBe(false);
  });

  test("not while another worker could take over: one starting, or one with requests to spare", () => {
    const old = at(19, 5);
    expect(shouldPrewarm(old, [old, at(0, 0, "creating")], 0, config)).toBe(false);
    expect(shouldPrewarm(old, [old, at(0, 0, "ready")], 0, config)).toBe(false);
    expect(shouldPrewarm(old, [old, at(5, 3, "active")], 0, config)).toBe(false);
  });

  test("other workers near their own end do not stand in for a successor", () => {
    const old = at(19, 5);
    expect(shouldPrewarm(old, [old, at(19, 2), at(19, 0, "idle")], 0, config)).toBe(true);
  });

  test("a held successor takes overflow only where maxWorkers would allow another worker", () => {
    expect(successorMayServe(1, 1)).toBe(false);
    expect(successorMayServe(1, 2)).toBe(true);
    expect(successorMayServe(2, 2)).toBe(false);
    expect(successorMayServe(0, 1)).toBe(true);
  });
});
