import { expect, test } from "bun:test";
import { backoffMs, Gate } from "./timing.ts";

test("crash-loop backoff doubles up to its cap", () => {
  const timing = { backoffBaseMs: 1000, backoffMaxMs: 5000 };
  expect([0, 1, 2, 3, 4, 10].map((n) => backoffMs(n, timing))).toEqual([0, 1000, 2000, 4000, 5000, 5000]);
});

test("the gate lets `limit` holders in and the next one when one leaves", async () => {
  const gate = new Gate(2);
  const a = await gate.acquire();
  await gate.acquire();
  let third = false;
  const pending = gate.acquire().then((release) => {
    third = true;
    return release;
  });
  await Promise.resolve();
  expect(third).toBe(false);
  a();
  a(); // releasing twice frees one place only
  await pending;
  expect(third).toBe(true);
});
