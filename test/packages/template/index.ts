/**
 * A one-app repository's app (its folder is the repository itself, so its worker.jsonc names
 * the schema as `./node_modules/@buntime/sdk/worker.schema.json`).
 */
import { defineApp } from "@buntime/sdk/app";

export default defineApp({
  routes: { "/health": new Response("ok") },
  async fetch(request) {
    const { pathname } = new URL(request.url);
    // Never answers: what checkTimeouts needs.
    if (pathname === "/stall") return new Promise<Response>(() => {});
    // An outbound call, answered by mocks/upstream.ts in tests.
    if (pathname === "/upstream") return Response.json(await (await fetch("https://upstream.example.test/v1")).json());
    return Response.json({ site: process.env.SITE_NAME ?? null });
  },
});
