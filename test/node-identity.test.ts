/**
 * A node's identity without a shared store (docs/cluster.md): BUNTIME_NODE_ID in every log line
 * and in /_/cluster, which lists just this node; the two cluster variables are validated.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { EnvError, loadEnv } from "../server/src/constants.ts";
import { createLogger } from "../server/src/util/log.ts";
import { run } from "./_run.ts";
import { ROOT, startTestServer, type TestServer } from "./_setup.ts";

const lines: string[] = [];
let server: TestServer;

beforeAll(async () => {
  const logger = createLogger("info", { write: (line: string) => void lines.push(line) });
  server = await startTestServer({ BUNTIME_NODE_ID: "edge-7.local" }, { logger });
});
afterAll(() => server?.stop());

test("every log line carries the node's id", async () => {
  expect((await fetch(server.at("/hello/"))).status).toBe(200);
  const parsed = lines.map((line) => JSON.parse(line) as { node?: string; msg: string });
  expect(parsed.some((line) => line.msg === "request")).toBe(true);
  expect(parsed.filter((line) => line.node !== "edge-7.local")).toEqual([]);
});

test("/_/cluster without a store: this node, with the versions it holds", async () => {
  const body = (await (await server.admin("/_/cluster")).json()) as {
    node: string;
    store: string;
    connected: boolean;
    nodes: { id: string; versions: string[] }[];
  };
  expect(body).toMatchObject({ node: "edge-7.local", store: "files", connected: true });
  expect(body.nodes.map((n) => n.id)).toEqual(["edge-7.local"]);
  expect(body.nodes[0]?.versions).toContain("hello@1.0.0");
  expect((await fetch(server.at("/_/cluster"))).status).toBe(401); // an admin route (viewer), not a public one
});

test("BUNTIME_STORE must be a postgres URL and BUNTIME_NODE_ID a plain name", () => {
  expect(() => loadEnv({ BUNTIME_STORE: "mysql://x" })).toThrow(EnvError);
  expect(() => loadEnv({ BUNTIME_NODE_ID: "a b" })).toThrow(EnvError);
  expect(loadEnv({ BUNTIME_STORE: "postgresql://u@h/db", BUNTIME_NODE_ID: "n-1" })).toMatchObject({
    BUNTIME_STORE: "postgresql://u@h/db",
    BUNTIME_NODE_ID: "n-1",
  });
});

/** A store URL whose password must appear in no message. */
const SECRET = "s3cretPW";

test("a BUNTIME_STORE that is no URL is refused naming the variable, never quoting its password", () => {
  for (const url of [`postgres://buntime:${SECRET}@[::1/db`, `postgres://buntime:${SECRET}@h:99999/db`]) {
    const error = (() => {
      try {
        loadEnv({ BUNTIME_STORE: url });
      } catch (caught) {
        return caught as Error;
      }
    })();
    expect(error).toBeInstanceOf(EnvError);
    expect(error?.message).toContain("BUNTIME_STORE");
    expect(error?.message).not.toContain(SECRET);
  }
});

test.each([
  ["no URL", `postgres://buntime:${SECRET}@[::1/db`, "is not a valid URL"],
  ["an option Bun.SQL refuses", `postgres://buntime:${SECRET}@127.0.0.1:1/db?sslmode=bogus`, "sslmode"],
])("the server given a BUNTIME_STORE with %s exits 2 naming it, its password in no output", async (_, url, why) => {
  const { code, stdout, stderr } = await run([process.execPath, "server/src/index.ts"], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", PORT: "0", HOST: "127.0.0.1", BUNTIME_STORE: url, BUNTIME_SUPERVISOR: "0" },
    timeoutMs: 20_000,
  });
  expect(code).toBe(2);
  expect(stderr).toContain("BUNTIME_STORE");
  expect(stderr).toContain(why);
  expect(stdout + stderr).not.toContain(SECRET);
});
