import { expect, test } from "bun:test";
import { exitStatus, SHUTDOWN_MARGIN_MS, shutdownDeadlineMs } from "./shutdown.ts";

test("the shutdown deadline is SHUTDOWN_TIMEOUT plus the margin; the schema's default when unset or invalid", () => {
  expect(shutdownDeadlineMs({ SHUTDOWN_TIMEOUT: "2" })).toBe(2000 + SHUTDOWN_MARGIN_MS);
  expect(shutdownDeadlineMs({ SHUTDOWN_TIMEOUT: "0" })).toBe(SHUTDOWN_MARGIN_MS);
  expect(shutdownDeadlineMs({})).toBe(10_000 + SHUTDOWN_MARGIN_MS);
  expect(shutdownDeadlineMs({ SHUTDOWN_TIMEOUT: "" })).toBe(10_000 + SHUTDOWN_MARGIN_MS);
  expect(shutdownDeadlineMs({ SHUTDOWN_TIMEOUT: "soon" })).toBe(10_000 + SHUTDOWN_MARGIN_MS);
});

test("exit status: 0 when every thread ended (requests cut off at the timeout included), 1 while abandoned threads still run", () => {
  expect(exitStatus({ cutOff: 0, abandoned: [], leakedThreads: 0 })).toBe(0);
  expect(exitStatus({ cutOff: 3, abandoned: [], leakedThreads: 0 })).toBe(0);
  expect(exitStatus({ cutOff: 1, abandoned: [{ app: "a@1.0.0", worker: 1, requests: 1 }], leakedThreads: 1 })).toBe(1);
  // Abandoned earlier at runtime and still blocked: the exit ends it too.
  expect(exitStatus({ cutOff: 0, abandoned: [], leakedThreads: 2 })).toBe(1);
});
