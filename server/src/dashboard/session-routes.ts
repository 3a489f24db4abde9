/**
 * `/_/dashboard/session` (docs/dashboard.md): sign-in and sign-out. The login page's script
 * sends the key or admin token ONCE, in the `Authorization` header (the guard has verified it
 * before this runs; role `viewer` suffices, see admin/roles.ts); the answer sets a cookie that
 * holds only a random session id: `HttpOnly` (no script reads it), `SameSite=Strict` (no other
 * site's request carries it), `Secure` over HTTPS, `Path=/_/` (apps never see it); with
 * DASHBOARD_HOST over HTTPS, `__Host-buntime_session` and `Path=/` (admin/own-host.ts).
 */
import { Hono } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import type { AdminGuard } from "../admin/guard.ts";
import { sessionCookie } from "../admin/own-host.ts";
import { SESSION_TTL_MS } from "../admin/sessions.ts";
import { BuntimeError, errorResponse } from "../errors.ts";

/** The cookie's name and attributes for `request` (`__Host-` prefixed over HTTPS with DASHBOARD_HOST). */
function cookieFor(request: Request, guard: AdminGuard) {
  const { name, path, secure } = sessionCookie(request, guard.dashboardHost);
  return { name, options: { httpOnly: true, sameSite: "Strict", secure, path } as const };
}

/** The session routes (mounted at `/_/dashboard/session`). */
export function sessionRoutes(guard: AdminGuard): Hono {
  const routes = new Hono();
  routes.post("/", async (c) => {
    const opened = await guard.openSession(c.req.raw);
    if (!opened) {
      return errorResponse(
        new BuntimeError("REQUEST_INVALID", "sign in with an API key or the admin token in the Authorization header"),
      );
    }
    const { name, options } = cookieFor(c.req.raw, guard);
    setCookie(c, name, opened.id, { ...options, maxAge: SESSION_TTL_MS / 1000 });
    c.header("cache-control", "no-store");
    return c.json({ name: opened.verified.identity.sub, role: opened.verified.role });
  });
  routes.delete("/", (c) => {
    const { name, options } = cookieFor(c.req.raw, guard);
    const id = getCookie(c, name);
    if (id) guard.sessions.close(id);
    deleteCookie(c, name, options);
    return c.body(null, 204);
  });
  return routes;
}
