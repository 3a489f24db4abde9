import { expect, test } from "bun:test";
import { VirtualClock } from "./virtual-clock.ts";

test("advance fires due timers in time order, ties in creation order, and no others", async () => {
  const clock = new VirtualClock();
  const fired: string[] = [];
  clock.setTimeout(() => fired.push(`b@${clock.now()}`), 200);
  clock.setTimeout(() => fired.push(`a@${clock.now()}`), 100);
  clock.setTimeout(() => fired.push(`a2@${clock.now()}`), 100);
  clock.setTimeout(() => fired.push("late"), 301);
  await clock.advance(300);
  expect(fired).toEqual(["a@100", "a2@100", "b@200"]);
  expect(clock.now()).toBe(300);
  expect(clock.pending).toBe(1);
});

test("timers set by a firing timer fire in the same advance when due", async () => {
  const clock = new VirtualClock();
  const fired: number[] = [];
  const tick = () => {
    fired.push(clock.now());
    clock.setTimeout(tick, 1000);
  };
  clock.setTimeout(tick, 1000);
  await clock.advance(3500);
  expect(fired).toEqual([1000, 2000, 3000]);
});

test("a cleared timer never fires; settle runs after each timer", async () => {
  const clock = new VirtualClock();
  const order: string[] = [];
  clock.settle = async () => {
    order.push("settle");
  };
  const handle = clock.setTimeout(() => order.push("cleared"), 10);
  clock.setTimeout(() => order.push("kept"), 20);
  clock.clearTimeout(handle);
  await clock.advance(50);
  expect(order).toEqual(["settle", "kept", "settle", "settle"]);
});

test("advance refuses negative, NaN or infinite durations", async () => {
  const clock = new VirtualClock();
  await expect(clock.advance(-1)).rejects.toThrow(RangeError);
  await expect(clock.advance(Number.NaN)).rejects.toThrow(RangeError);
  await expect(clock.advance(Number.POSITIVE_INFINITY)).rejects.toThrow(RangeError);
});
