/**
 * buntime-emulator/bench: how much the Buntime pool costs an app, measured with tinybench.
 *
 * @example
 * import { benchApp } from "buntime-emulator/bench";
 * await benchApp("./apps/hello/1.0.0", { path: "/users" });
 */

// Bench an app: direct vs through the pool
export type { BenchAppOptions, BenchAppResult } from "./bench-app.ts";
export { benchApp } from "./bench-app.ts";
