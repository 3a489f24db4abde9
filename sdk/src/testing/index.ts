/**
 * @buntime/sdk/testing: what app authors run against their own app.
 *
 * @example
 * import { checkRecycling, mockOutbound } from "@buntime/sdk/testing";
 */

export { mockOutbound } from "./outbound.ts";
export type { CheckRecyclingOptions, CheckTimeoutsOptions, RecyclingSchedule, Step } from "./properties.ts";
export { checkRecycling, checkTimeouts, PropertyFailure } from "./properties.ts";
