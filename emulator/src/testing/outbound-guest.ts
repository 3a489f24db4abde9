/**
 * Runs inside each app worker (a preload the emulator writes): starts msw with the user's
 * handlers so the app's outbound `fetch` is answered by them. A request no handler answers
 * fails loudly: the app's fetch rejects and the error names the URL.
 */
import type { RequestHandler } from "msw";
import { setupServer } from "msw/node";

/** Installs msw in this worker from a handlers module (`export default [...]` or `export const handlers`). */
export function installOutboundMocks(module: { default?: unknown; handlers?: unknown }): void {
  const handlers = (module.default ?? module.handlers) as RequestHandler[] | undefined;
  if (!Array.isArray(handlers)) {
    throw new Error("outbound mocks: the handlers module must export an array of msw handlers (default or `handlers`)");
  }
  const server = setupServer(...handlers);
  server.listen({
    onUnhandledRequest(request) {
      const message = `outbound request not mocked: ${request.method} ${request.url}`;
      console.error(`[buntime mocks] ${message}`);
      throw new Error(message);
    },
  });
}
