/**
 * CONTRACT §3: an app's environment is exactly its config's `env`; the server's own
 * environment is never visible to it, nor to the processes it starts.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { startTestServer, type TestServer } from "./_setup.ts";

const SECRET = `secret-${crypto.randomUUID()}`;
const LATE_SECRET = `late-secret-${crypto.randomUUID()}`;

let server: TestServer;
beforeAll(async () => {
  process.env.BUNTIME_TEST_SECRET = SECRET;
  server = await startTestServer();
});
afterAll(async () => {
  await server.stop();
  delete process.env.BUNTIME_TEST_SECRET;
  delete process.env.BUNTIME_TEST_LATE_SECRET;
});

interface EchoEnv {
  env: Record<string, string>;
  bunEnv: Record<string, string>;
}

test("process.env and Bun.env in an app are exactly its worker.jsonc env", async () => {
  const res = await fetch(server.at("/echo/"));
  expect(res.status).toBe(200);
  const text = await res.text();
  expect(text).not.toContain(SECRET);
  const { env, bunEnv } = JSON.parse(text) as EchoEnv;
  expect(env).toEqual({ GREETING: "hello from echo" });
  expect(bunEnv).toEqual({ GREETING: "hello from echo" });
});

test("nothing of the server's environment shows: not PATH, HOME, nor the secret", async () => {
  const { env } = (await (await fetch(server.at("/echo/"))).json()) as EchoEnv;
  expect(process.env.PATH).toBeDefined();
  expect(env.PATH).toBeUndefined();
  expect(env.HOME).toBeUndefined();
  expect(env.BUNTIME_TEST_SECRET).toBeUndefined();
});

// Before any other test starts config-ts-env or spawn-env, so that their workers start after this change.
test("a variable the server sets after start does not reach workers started later", async () => {
  process.env.BUNTIME_TEST_LATE_SECRET = LATE_SECRET;
  // config-ts-env's env comes from its worker.config.ts: exactly that, nothing else.
  const config = await fetch(server.at("/config-ts-env/"));
  expect(await config.json()).toEqual({ env: { FROM_CONFIG_TS: "yes" } });
  const spawn = await fetch(server.at("/spawn-env/"));
  expect(await spawn.text()).not.toContain(LATE_SECRET);
});

test("child processes an app starts do not get the server's environment", async () => {
  const res = await fetch(server.at("/spawn-env/"));
  expect(res.status).toBe(200);
  const text = await res.text();
  expect(text).not.toContain(SECRET);
  const outputs = JSON.parse(text) as Record<"spawned" | "spawnedSync" | "childProcess" | "shell", string>;
  for (const output of Object.values(outputs)) {
    expect(output).toContain("SPAWN_ENV_VISIBLE=from-worker-jsonc");
    expect(output).not.toContain("BUNTIME_TEST_SECRET");
    expect(output).not.toMatch(/^HOME=/m);
  }
  // Bun.spawn and Bun.spawnSync get exactly the app's env.
  expect(outputs.spawned.trim()).toBe("SPAWN_ENV_VISIBLE=from-worker-jsonc");
  expect(outputs.spawnedSync.trim()).toBe("SPAWN_ENV_VISIBLE=from-worker-jsonc");
});
