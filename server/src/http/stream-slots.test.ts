import { describe, expect, test } from "bun:test";
import { StreamSlots } from "./stream-slots.ts";

describe("StreamSlots", () => {
  test("past a caller's share, that caller's oldest stream is ended; others keep theirs", () => {
    const slots = new StreamSlots(2, 10);
    const ended: string[] = [];
    slots.take("a", () => ended.push("a1"));
    slots.take("b", () => ended.push("b1"));
    slots.take("a", () => ended.push("a2"));
    expect(ended).toEqual([]);
    slots.take("a", () => ended.push("a3"));
    expect(ended).toEqual(["a1"]);
    expect(slots.size).toBe(3);
  });

  test("past the total, the oldest of all is ended", () => {
    const slots = new StreamSlots(10, 3);
    const ended: number[] = [];
    for (let i = 0; i < 5; i++) slots.take(`caller-${i}`, () => ended.push(i));
    expect(ended).toEqual([0, 1]);
    expect(slots.size).toBe(3);
  });

  test("a released slot no longer counts, and releasing twice is harmless", () => {
    const slots = new StreamSlots(1, 10);
    const ended: string[] = [];
    const release = slots.take("a", () => ended.push("first"));
    release();
    release();
    slots.take("a", () => ended.push("second"));
    expect(ended).toEqual([]);
    expect(slots.size).toBe(1);
  });

  test("anonymous readers (nothing configured) share one caller's share", () => {
    const slots = new StreamSlots(1, 10);
    const ended: string[] = [];
    slots.take(undefined, () => ended.push("first"));
    slots.take(undefined, () => ended.push("second"));
    expect(ended).toEqual(["first"]);
  });
});
