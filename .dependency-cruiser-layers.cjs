/**
 * The layers of `server/src`, held by `npm run lint` (production code only: tests may reach
 * across). No folder imports another in a circle; the host (server.ts, http/, plugins/, admin/)
 * sits on the pool, the pool on the app catalogue (apps/); the guest (worker-thread) side
 * imports only itself, util/ and the protocol it shares with the host (protocol/).
 */
const base = require("./.dependency-cruiser.cjs");

const SERVER = "^server/src/";

/** @type {import("dependency-cruiser").IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "no-circular-folders",
      severity: "error",
      comment: "Folders that import each other in a circle.",
      scope: "folder",
      from: { path: SERVER },
      to: { circular: true },
    },
    {
      name: "pool-below-host",
      severity: "error",
      comment: "The pool does not call back into the HTTP layer, the plugin host or the server.",
      from: { path: `${SERVER}pool/` },
      to: { path: `${SERVER}(http/|plugins/|server\\.ts|index\\.ts)` },
    },
    {
      name: "apps-below-pool",
      severity: "error",
      comment: "The app catalogue and deployer know nothing of the pool or the host above them.",
      from: { path: `${SERVER}apps/` },
      to: { path: `${SERVER}(pool/|http/|plugins/|stats/|server\\.ts|index\\.ts)` },
    },
    {
      name: "guest-apart",
      severity: "error",
      comment: "Guest (worker-thread) code imports only itself, the shared protocol and util/.",
      from: { path: `${SERVER}guest/` },
      to: { path: SERVER, pathNot: `${SERVER}(guest/|protocol/|util/)` },
    },
    {
      name: "host-not-into-guest",
      severity: "error",
      comment: "The host starts guest files by path (guest/paths.ts); it never imports guest code.",
      from: { path: SERVER, pathNot: `${SERVER}guest/` },
      to: { path: `${SERVER}guest/`, pathNot: `${SERVER}guest/paths\\.ts$` },
    },
  ],
  options: {
    ...base.options,
    exclude: { path: `${base.options.exclude.path}|\\.test\\.ts$|^test/` },
  },
};
