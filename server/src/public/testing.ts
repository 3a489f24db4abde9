/**
 * @buntime/server/testing: what tests of the runtime (and the emulator) drive it with. The
 * runtime itself never imports this entry.
 *
 * @example
 * import { VirtualClock } from "@buntime/server/testing";
 * const clock = new VirtualClock();
 * const server = await startServer({ env, clock });
 * await clock.advance(61_000); // idle workers are terminated now
 */

// Virtual time
export { VirtualClock } from "../pool/virtual-clock.ts";
