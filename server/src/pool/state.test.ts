import { expect, test } from "bun:test";
import { accepts, transition, type WorkerState } from "./state.ts";

test.each<[WorkerState, WorkerState]>([
  ["creating", "ready"],
  ["creating", "terminated"],
  ["ready", "active"],
  ["active", "idle"],
  ["idle", "active"],
  ["idle", "draining"],
  ["active", "draining"],
  ["draining", "terminated"],
])("%s → %s is allowed", (from, to) => {
  expect(transition(from, to)).toBe(to);
});

test.each<[WorkerState, WorkerState]>([
  ["creating", "active"],
  ["creating", "draining"],
  ["draining", "active"],
  ["draining", "idle"],
  ["terminated", "ready"],
  ["terminated", "draining"],
  ["idle", "ready"],
])("%s → %s is refused", (from, to) => {
  expect(() => transition(from, to)).toThrow(`illegal worker transition ${from} → ${to}`);
});

test("only ready, active and idle workers accept requests", () => {
  const states: WorkerState[] = ["creating", "ready", "active", "idle", "draining", "terminated"];
  expect(states.filter(accepts)).toEqual(["ready", "active", "idle"]);
});
