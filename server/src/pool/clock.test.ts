import { expect, test } from "bun:test";
import { MAX_TIMER_MS, realClock } from "./clock.ts";

test("a real timer longer than a runtime timer holds (about 24.8 days) waits, in legs, instead of firing at once", async () => {
  let fired = 0;
  const handle = realClock.setTimeout(() => fired++, MAX_TIMER_MS + 60_000);
  // A runtime's own setTimeout turns such a delay into 1 ms: a few turns later it would have fired.
  await new Promise((resolve) => setTimeout(resolve, 20));
  expect(fired).toBe(0);
  realClock.clearTimeout(handle);
});

test("a short real timer fires, and a cleared one does not", async () => {
  const order: string[] = [];
  realClock.setTimeout(() => order.push("fired"), 1);
  realClock.clearTimeout(realClock.setTimeout(() => order.push("cleared"), 1));
  await new Promise((resolve) => setTimeout(resolve, 20));
  expect(order).toEqual(["fired"]);
});
