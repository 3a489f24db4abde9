/**
 * buntime-emulator/testing: what app authors run against their own app, on the emulator.
 *
 * @example
 * import { checkRecycling, mockOutbound } from "buntime-emulator/testing";
 * await checkRecycling("./apps/greeter/1.0.0");
 * const emu = await createEmulator({ apps: "./apps", ...mockOutbound("./mocks/api.ts") });
 */

// Outbound fetch mocks (msw, inside every worker)
export { mockOutbound } from "./outbound.ts";

// Properties (fast-check): recycling and timeouts under random settings
export type { CheckRecyclingOptions, CheckTimeoutsOptions, RecyclingSchedule, Step } from "./properties.ts";
export { checkRecycling, checkTimeouts, PropertyFailure } from "./properties.ts";
