/**
 * The emulator serves WebSockets on `emu.url` (docs/websockets.md), and under virtual time the
 * lifecycle that closes them (a ttl recycle, then the grace) moves with `clock.advance`.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { resolve } from "node:path";
import { createEmulator, type Emulator } from "buntime-emulator";
import { FIXTURE_APPS } from "./_setup.ts";
import { openSocket } from "./_ws-client.ts";

const WS_CHAT = resolve(FIXTURE_APPS, "ws-chat/1.0.0");

describe("the emulator's url accepts WebSocket clients", () => {
  let emu: Emulator;
  beforeAll(async () => {
    emu = await createEmulator({ apps: { "ws-chat@1.0.0": WS_CHAT }, clock: "virtual", logLevel: "silent" });
  });
  afterAll(() => emu.dispose());

  test("echo through a worker", async () => {
    const socket = await openSocket(new URL("/ws-chat/?user=emu", emu.url).href);
    expect(String(await socket.nth(0))).toStartWith("hello emu from ");
    socket.ws.send("ping");
    expect(await socket.nth(1)).toBe("ping");
    socket.ws.close();
    await socket.closed;
  });

  test("a ttl recycle under virtual time closes the socket with 1012 on clock.advance, not before", async () => {
    await emu.deploy("ws-chat", "1.0.0", WS_CHAT, { ttl: 60 });
    const socket = await openSocket(new URL("/ws-chat/", emu.url).href);
    await socket.nth(0);
    await emu.clock.advance(59_000);
    socket.ws.send("still open");
    expect(await socket.nth(1)).toBe("still open");
    await emu.clock.advance(1_000);
    expect((await socket.closed).code).toBe(1012);
  });
});
