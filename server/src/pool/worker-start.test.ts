import { expect, test } from "bun:test";
import { BuntimeError } from "../errors.ts";
import { WorkerStart } from "./worker-start.ts";

const failed = (message: string) => new BuntimeError("WORKER_START_FAILED", message);

test("ready resolves once loaded; the permit is freed then; later settles are refused", async () => {
  const start = new WorkerStart();
  let released = 0;
  start.permitted(() => released++);
  expect(start.succeed()).toBe(true);
  await start.ready;
  expect(released).toBe(1);
  expect(start.settled).toBe(true);
  expect(start.fail(failed("late"))).toBe(false);
  expect(start.succeed()).toBe(false);
});

test("a failed start rejects ready with its error", async () => {
  const start = new WorkerStart();
  expect(start.fail(failed("boom"))).toBe(true);
  await expect(start.ready).rejects.toMatchObject({ code: "WORKER_START_FAILED", message: "boom" });
});

test("the deadline runs only while the start is pending", async () => {
  const late = new WorkerStart();
  let fired = 0;
  late.deadline(5, () => fired++);
  const loaded = new WorkerStart();
  loaded.deadline(5, () => fired++);
  loaded.succeed();
  await Bun.sleep(30); // six deadlines: the settled one would have fired by now
  expect(fired).toBe(1);
  late.end(failed("gone"));
});

test("the end frees the permit and fails a start still pending", async () => {
  const start = new WorkerStart();
  let released = 0;
  start.permitted(() => released++);
  start.end(failed("exited while starting"));
  expect(released).toBe(1);
  await expect(start.ready).rejects.toMatchObject({ message: "exited while starting" });
});
