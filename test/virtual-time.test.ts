/**
 * Lifecycle timing, one body run twice: under the emulator's virtual clock (time moves only
 * with `advance`) and in real time with small values. The same assertions hold in both.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { resolve } from "node:path";
import { createEmulator, type Emulator, type LifecycleEvent } from "buntime-emulator";
import { FIXTURE_APPS } from "./_setup.ts";

const SLOW = resolve(FIXTURE_APPS, "slow/1.0.0");
const WHOAMI = resolve(FIXTURE_APPS, "whoami/1.0.0");

for (const mode of ["virtual", "real"] as const) {
  describe(`${mode} time`, () => {
    let emu: Emulator;
    let version = 0;
    const events: LifecycleEvent[] = [];
    /** Lets `ms` of lifecycle time pass: advance the virtual clock, or really wait. */
    const elapse = (ms: number) => (mode === "virtual" ? emu.clock.advance(ms) : Bun.sleep(ms));
    /** Unit of time: virtual tests use minutes-long settings, real ones a fraction of a second. */
    const unit = mode === "virtual" ? 60_000 : 400;

    beforeAll(async () => {
      emu = await createEmulator({ apps: {}, clock: mode });
      void (async () => {
        for await (const event of emu.events) events.push(event);
      })();
    });
    afterAll(() => emu.dispose());

    const deploy = async (folder: string, config: object) => {
      const v = `1.0.${++version}`;
      await emu.deploy("app", v, folder, config);
      return `/app@${v}`;
    };
    const worker = async (path: string) => ((await (await emu.fetch(path)).json()) as { worker: string }).worker;

    test("an idle worker is terminated when idleTimeout is crossed, not before", async () => {
      const app = await deploy(WHOAMI, { idleTimeout: unit / 1000 });
      const first = await worker(`${app}/`);
      await elapse(unit * 0.6);
      expect(await worker(`${app}/`)).toBe(first); // the clock restarts with each request
      await elapse(unit * 0.6);
      expect(events.some((e) => e.type === "terminate" && e.key === `app@1.0.${version}`)).toBe(false);
      await elapse(unit * 0.6);
      await emu.waitForIdle();
      const terminated = events.find((e) => e.type === "terminate" && e.key === `app@1.0.${version}`);
      expect(terminated).toMatchObject({ reason: "idle" });
      expect(await worker(`${app}/`)).not.toBe(first);
    });

    test("ttl recycles: the in-flight request still completes, the next goes to a new worker", async () => {
      // A timeout beyond the ttl: under virtual time the in-flight request lasts "forever".
      const app = await deploy(WHOAMI, { ttl: unit / 1000, timeout: (unit * 10) / 1000, maxRequests: 1000 });
      const first = await worker(`${app}/`);
      const inFlight = emu.fetch(`${app}/?ms=300`);
      await Bun.sleep(50); // the request is now inside the worker
      await elapse(unit * 1.1);
      const recycled = events.find((e) => e.type === "recycle" && e.key === `app@1.0.${version}`);
      expect(recycled).toMatchObject({ reason: "ttl" });
      const res = await inFlight;
      expect(res.status).toBe(200);
      expect(((await res.json()) as { worker: string }).worker).toBe(first);
      expect(await worker(`${app}/`)).not.toBe(first);
    });

    test("a request timeout answers 504 when the clock crosses it, and the worker is replaced", async () => {
      const app = await deploy(SLOW, { timeout: unit / 1000 });
      const first = await worker(`${app}/?ms=0`);
      let settled = false;
      const slow = emu.fetch(`${app}/?ms=60000`).finally(() => {
        settled = true;
      });
      await Bun.sleep(20);
      await elapse(unit * 0.5);
      expect(settled).toBe(false);
      await elapse(unit * 0.6);
      const res = await slow;
      expect(res.status).toBe(504);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe("APP_TIMEOUT");
      expect(await worker(`${app}/?ms=0`)).not.toBe(first);
    });
  });
}
