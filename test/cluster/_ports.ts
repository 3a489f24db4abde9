/** A TCP port free on 127.0.0.1 right now (the OS picks it; a tiny race with other takers remains). */
export async function freePort(): Promise<number> {
  const server = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const { port } = server;
  server.stop(true);
  return port;
}
