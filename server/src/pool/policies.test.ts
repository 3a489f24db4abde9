import { describe, expect, test } from "bun:test";
import { canQueue, incomingSlots, pickWorker, retryAfterSeconds, shouldSpawn } from "./policies.ts";

const worker = (accepting: boolean, inFlight: number) => ({ accepts: () => accepting, inFlight });

describe("pickWorker", () => {
  test("takes the least loaded accepting worker", () => {
    expect(pickWorker([worker(true, 3), worker(true, 0), worker(true, 1)], 10)).toBe(1);
  });
  test("skips workers at concurrency and workers that do not accept", () => {
    expect(pickWorker([worker(true, 2), worker(false, 0)], 2)).toBe(-1);
  });
  test("no workers, no pick", () => expect(pickWorker([], 1)).toBe(-1));
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
