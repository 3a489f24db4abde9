import { resolve } from "node:path";

/**
 * Mocks the outbound `fetch` of app code with msw, inside every worker. Handlers live in a
 * module (functions cannot cross threads); spread the result into `createEmulator`'s options.
 *
 * @example
 * // mocks.ts
 * import { http, HttpResponse } from "msw";
 * export default [http.get("https://api.example.com/user", () => HttpResponse.json({ id: 1 }))];
 *
 * // app.test.ts
 * const emu = await createEmulator({ apps: "./apps", ...mockOutbound("./mocks.ts") });
 */
export function mockOutbound(handlersModule: string): { mocks: string } {
  return { mocks: resolve(handlersModule) };
}
