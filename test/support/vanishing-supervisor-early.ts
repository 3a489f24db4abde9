/**
 * Plays a supervisor that dies at once: it starts the server as `supervisor.ts` does (minimal
 * environment with its own pid, the full one over IPC), prints the server's pid and exits before
 * the server has even loaded its modules. Used by test/orphan-server.test.ts.
 */
const server = Bun.spawn([process.execPath, `${import.meta.dir}/../../server/src/index.ts`], {
  env: { PATH: process.env.PATH ?? "", BUNTIME_SUPERVISED: "1", BUNTIME_SUPERVISOR_PID: String(process.pid) },
  stdio: ["ignore", "ignore", "ignore"],
  ipc() {},
});
server.send({ env: { ...process.env } });
console.log(server.pid);
process.exit(0);
