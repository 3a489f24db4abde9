/**
 * buntime-emulator: the Buntime runtime in-process for app authors' tests.
 *
 * @example
 * import { createEmulator } from "buntime-emulator";
 * const emu = await createEmulator({ apps: "./apps" });
 * expect((await emu.fetch("/hello/")).status).toBe(200);
 * await emu.dispose();
 */

// Test helpers
export { emulatorTest } from "./bun-test.ts";
export type { EmulatorClock } from "./emulator.ts";
// Emulator
export { createEmulator, Emulator } from "./emulator.ts";
export type { LifecycleEvent } from "./events.ts";
export type { EmulatorOptions } from "./options.ts";
export { EmulatorError, emulatorOptionsSchema } from "./options.ts";
