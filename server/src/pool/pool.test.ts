import { expect, test } from "bun:test";
import { fakeApp, fakePool, forwarded } from "../../../test/support/fake-workers.ts";

/** Lets the pool's microtasks, timers and fake workers' closes run. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 10));

test("a version waiting for room is woken after a worker's ready event, not inside it: the evicted worker keeps its reason", async () => {
  const { pool, workers } = fakePool(2);
  const order: string[] = [];
  for (const type of ["ready", "recycle", "terminate"] as const) {
    pool.events.on(type, (e: { workerId: number; reason?: string }) =>
      order.push(`${type}:${e.workerId}:${e.reason ?? ""}`),
    );
  }
  const a = fakeApp("a", { concurrency: 1, maxWorkers: 2 });
  const first = pool.dispatch(a, forwarded("/1"));
  await settle();
  workers[0]?.ready();
  await settle();
  const second = pool.dispatch(a, forwarded("/2")); // waits; a second worker of a starts
  await settle();
  const b = pool.dispatch(fakeApp("b"), forwarded("/b")); // both slots taken, one starting: b waits
  await settle();
  expect(workers.map((w) => w.app)).toEqual(["a", "a"]);
  const [a1, a2] = workers as [NonNullable<(typeof workers)[0]>, NonNullable<(typeof workers)[0]>];
  a1.answer(a1.got.find((m) => m.type === "request")?.id as number);
  expect((await first).status).toBe(200);
  await settle(); // a1 took the second request: a has none waiting
  a2.ready(); // the wake that follows may evict a
  await settle();
  a1.answer(a1.got.filter((m) => m.type === "request")[1]?.id as number);
  expect((await second).status).toBe(200);
  await settle();
  workers.find((w) => w.app === "b")?.ready();
  await settle();
  const toB = workers.find((w) => w.app === "b");
  toB?.answer(toB.got.find((m) => m.type === "request")?.id as number);
  expect((await b).status).toBe(200);
  // No worker of a ended as a crash, and a2's ready came before anything about its end.
  expect(order.filter((e) => e.endsWith(":crashed"))).toEqual([]);
  const ending = order.findIndex((e) => e.startsWith("recycle:2") || e.startsWith("terminate:2"));
  if (ending !== -1) expect(order.indexOf("ready:2:")).toBeLessThan(ending);
  await pool.close(0);
});
