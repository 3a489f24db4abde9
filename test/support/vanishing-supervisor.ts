/**
 * Plays a supervisor that dies at the worst moment: it starts the server as `supervisor.ts` does
 * (minimal environment, the full one over IPC), waits for the acknowledgement, prints the
 * server's pid and exits without ever sending the go-ahead. Used by test/orphan-server.test.ts.
 */
const server = Bun.spawn([process.execPath, `${import.meta.dir}/../../server/src/index.ts`], {
  env: { PATH: process.env.PATH ?? "", BUNTIME_SUPERVISED: "1" },
  stdio: ["ignore", "ignore", "ignore"],
  ipc() {
    console.log(server.pid);
    process.exit(0);
  },
});
server.send({ env: { ...process.env } });
