/**
 * One timed emulator start-up, run as its own process by scenario `emulator` so every sample
 * pays the module loading a fresh test file pays. Prints one JSON line:
 * `{"importMs", "readyMs", "firstFetchMs"}` — the import of buntime-emulator, then from calling
 * createEmulator({ apps: fixtures/apps }) to ready, and to the full first response of /hello/.
 */
import { resolve } from "node:path";

const FIXTURES = resolve(import.meta.dir, "../fixtures/apps");

const t0 = performance.now();
const { createEmulator } = await import("buntime-emulator");
const t1 = performance.now();
const emu = await createEmulator({ apps: FIXTURES });
const t2 = performance.now();
const response = await emu.fetch("/hello/");
await response.text();
const t3 = performance.now();
await emu.dispose();
if (response.status !== 200) {
  console.error(`GET /hello/ answered ${response.status}`);
  process.exit(1);
}
console.log(JSON.stringify({ importMs: t1 - t0, readyMs: t2 - t1, firstFetchMs: t3 - t1 }));
