/**
 * A node's identity without a shared store (docs/cluster.md): BUNTIME_NODE_ID in every log line
 * and in /_/cluster, which lists just this node; the two cluster variables are validated.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { EnvError, loadEnv } from "../server/src/constants.ts";
import { createLogger } from "../server/src/util/log.ts";
import { startTestServer, type TestServer } from "./_setup.ts";

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
