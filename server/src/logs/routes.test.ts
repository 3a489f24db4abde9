import { expect, test } from "bun:test";
import { PoolEmitter } from "../pool/events.ts";
import { LogHub } from "./hub.ts";
import { logRoutes, MAX_QUEUED_CHARS, MAX_QUEUED_LINES } from "./routes.ts";

/** The routes over a hub whose follows are counted (open ones: taken minus ended). */
function counted(events = new PoolEmitter()) {
  const hub = new LogHub(events, () => true);
  let open = 0;
  const follow = hub.follow.bind(hub);
  hub.follow = (app, listener) => {
    open++;
    const unfollow = follow(app, listener);
    return () => {
      open--;
      unfollow();
    };
  };
  return { routes: logRoutes({ hub, exists: () => true }), open: () => open };
}

test("HEAD of a follow answers the stream's headers and follows nothing (Hono drops a HEAD body uncancelled)", async () => {
  const { routes, open } = counted();
  const res = await routes.request("/?app=hello&follow=1", { method: "HEAD" });
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toContain("text/event-stream");
  expect(open()).toBe(0);
});

test("GET of a follow follows until the client goes away", async () => {
  const { routes, open } = counted();
  const res = await routes.request("/?app=hello&follow=1");
  expect(open()).toBe(1);
  await res.body?.cancel();
  // The stream's loop ends on the abort in a later turn: wait for that event, not a time.
  while (open() !== 0) await new Promise((resolve) => setImmediate(resolve));
  expect(open()).toBe(0);
});

/** A follower that never reads is cut off once what waits for it passes the bound (lines or characters). */
async function cutOffAfter(lines: number, chars: number): Promise<boolean> {
  const events = new PoolEmitter();
  const { routes, open } = counted(events);
  const res = await routes.request("/?app=loud&follow=1");
  const line = { level: "info" as const, time: 0, message: "x".repeat(chars) };
  for (let i = 0; i < lines; i++) events.emit("log", { key: "loud@1.0.0", workerId: 1, lines: [line], dropped: 0 });
  for (let i = 0; i < 20 && open() !== 0; i++) await new Promise((resolve) => setImmediate(resolve));
  const cut = open() === 0;
  await res.body?.cancel();
  return cut;
}

test("a follower that stops reading is cut off past MAX_QUEUED_CHARS of long lines, well before MAX_QUEUED_LINES", async () => {
  expect(MAX_QUEUED_CHARS / 8192).toBeLessThan(MAX_QUEUED_LINES);
  expect(await cutOffAfter(Math.ceil(MAX_QUEUED_CHARS / 8192) + 10, 8192)).toBe(true);
  expect(await cutOffAfter(100, 8192)).toBe(false); // 800 Ki characters wait: kept
});
