import { expect, test } from "bun:test";
import { PoolEmitter } from "../pool/events.ts";
import { LogHub } from "./hub.ts";
import { logRoutes } from "./routes.ts";

/** The routes over a hub whose follows are counted (open ones: taken minus ended). */
function counted() {
  const hub = new LogHub(new PoolEmitter(), () => true);
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
