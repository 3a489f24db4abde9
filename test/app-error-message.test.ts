/**
 * APP_ERROR carries the app's exception message, bounded: a 10 MB message reaches neither the
 * client nor the log whole, and no stack goes with it (issue 12, fault 6; docs/errors.md).
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { APP_MESSAGE_CHARS } from "../server/src/pool/instance.ts";
import type { Logger } from "../server/src/util/log.ts";
import { call } from "./_pool-helpers.ts";
import { startTestServer, type TestServer } from "./_setup.ts";

const warnings: Record<string, unknown>[] = [];
const logger: Logger = {
  debug() {},
  info() {},
  warn: (msg, fields = {}) => void (msg === "app error" && warnings.push(fields)),
  error() {},
  child: () => logger,
  isLevelEnabled: () => true,
};

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({}, { logger });
});
afterAll(() => server?.stop());

test("a 10 MB exception message reaches the client and the log cut to 1 KiB, with no stack; the worker lives on", async () => {
  const before = await call(server.at("/throws-huge-message/"));
  const answer = await call(server.at("/throws-huge-message/throw"));
  expect(answer.status).toBe(500);
  expect(answer.code).toBe("APP_ERROR");
  const message: string = answer.body.error.message;
  expect(message.length).toBe(APP_MESSAGE_CHARS);
  expect(message.startsWith("Error: huge:xxx")).toBe(true);
  expect(message.endsWith("…")).toBe(true);
  expect(message).not.toContain("\n    at ");
  expect(JSON.stringify(answer.body).length).toBeLessThan(2 * APP_MESSAGE_CHARS);

  expect(warnings).toHaveLength(1);
  expect(warnings[0]?.app).toBe("throws-huge-message@1.0.0");
  expect(warnings[0]?.error).toBe(message);

  const after = await call(server.at("/throws-huge-message/"));
  expect(after.body.worker).toBe(before.body.worker);
});

test("a short message passes whole", async () => {
  const answer = await call(server.at("/throws/throw"));
  expect(answer.code).toBe("APP_ERROR");
  expect(answer.body.error.message).toBe("Error: thrown by the app");
});
