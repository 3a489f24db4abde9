import type { AppHandler, AppRoute } from "@buntime/sdk";

type Matcher = { segments: string[]; wildcard: boolean; route: AppRoute };

/**
 * Bun.serve-style `routes` for apps: exact paths, `:param` segments and a trailing `/*`.
 * Returns a function that answers a request, or `undefined` when no route matches.
 */
export function compileRoutes(routes: Record<string, AppRoute>) {
  const matchers: Matcher[] = Object.entries(routes).map(([path, route]) => {
    const segments = path.split("/").filter(Boolean);
    const wildcard = segments.at(-1) === "*";
    return { segments: wildcard ? segments.slice(0, -1) : segments, wildcard, route };
  });
  // Static paths win over params, params over wildcards, as in Bun.serve.
  matchers.sort((a, b) => score(b) - score(a));

  return (request: Request): Response | Promise<Response> | undefined => {
    const parts = new URL(request.url).pathname.split("/").filter(Boolean);
    for (const matcher of matchers) {
      const params = match(matcher, parts);
      if (params === undefined) continue;
      const handler = pick(matcher.route, request.method);
      if (handler === undefined) return new Response("Method Not Allowed", { status: 405 });
      if (handler instanceof Response) return handler.clone();
      Object.defineProperty(request, "params", { value: params, enumerable: true });
      return handler(request);
    }
    return undefined;
  };
}

function score(m: Matcher): number {
  const statics = m.segments.filter((s) => !s.startsWith(":")).length;
  return (m.wildcard ? 0 : 1000) + statics * 10 + m.segments.length;
}

function match(m: Matcher, parts: string[]): Record<string, string> | undefined {
  if (m.wildcard ? parts.length < m.segments.length : parts.length !== m.segments.length) return undefined;
  const params: Record<string, string> = {};
  for (const [i, segment] of m.segments.entries()) {
    const part = parts[i] as string;
    if (segment.startsWith(":")) params[segment.slice(1)] = decodeURIComponent(part);
    else if (segment !== part) return undefined;
  }
  return params;
}

function pick(route: AppRoute, method: string): Response | AppHandler | undefined {
  if (route instanceof Response || typeof route === "function") return route;
  return route[method] ?? (method === "HEAD" ? route.GET : undefined);
}
