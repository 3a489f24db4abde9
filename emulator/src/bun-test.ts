import type { Emulator } from "./emulator.ts";
import { createEmulator } from "./emulator.ts";
import type { EmulatorOptions } from "./options.ts";

/**
 * One emulator for a `bun:test` file: created in `beforeAll`, disposed in `afterAll`.
 *
 * @example
 * import { emulatorTest } from "buntime-emulator";
 * const env = emulatorTest({ apps: "./apps" });
 * test("hello", async () => expect((await env.fetch("/hello/")).status).toBe(200));
 */
export function emulatorTest(options: EmulatorOptions): {
  readonly emu: Emulator;
  fetch: Emulator["fetch"];
} {
  // Resolved lazily so importing this package outside `bun test` never loads bun:test.
  const { beforeAll, afterAll } = require("bun:test") as typeof import("bun:test");
  let emulator: Emulator | undefined;
  beforeAll(async () => {
    emulator = await createEmulator(options);
  });
  afterAll(async () => {
    await emulator?.dispose();
  });
  const get = (): Emulator => {
    if (!emulator) throw new Error("emulatorTest: the emulator is created in beforeAll; use it inside tests");
    return emulator;
  };
  return {
    get emu() {
      return get();
    },
    fetch: (input, init) => get().fetch(input, init),
  };
}
