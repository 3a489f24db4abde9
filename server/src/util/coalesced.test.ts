import { expect, test } from "bun:test";
import { Coalesced } from "./coalesced.ts";

test("calls during a run fold into one more run after it; each gets the promise that covers it", async () => {
  let runs = 0;
  let release: (() => void) | undefined;
  const job = new Coalesced(async () => {
    runs++;
    await new Promise<void>((resolve) => (release = resolve));
  });
  const first = job.call();
  const second = job.call();
  const third = job.call();
  expect(second).toBe(first);
  expect(third).toBe(first);
  release?.(); // the first run ends; one more starts for the calls made meanwhile
  for (let i = 0; i < 10 && runs < 2; i++) await null;
  expect(runs).toBe(2);
  release?.();
  await first;
  expect(runs).toBe(2);
  await job.idle();
  const fresh = job.call(); // none running: a new run at once
  expect(runs).toBe(3);
  release?.();
  await fresh;
});

test("no run again once goOn says stop; a run's error ends the promise with it", async () => {
  let runs = 0;
  let stopped = false;
  const job = new Coalesced(
    async () => {
      runs++;
      await null;
    },
    () => !stopped,
  );
  const running = job.call();
  job.call();
  stopped = true;
  await running;
  expect(runs).toBe(1);

  const failing = new Coalesced(async () => {
    throw new Error("store down");
  });
  await expect(failing.call()).rejects.toThrow("store down");
  await failing.idle();
});
