/**
 * Scenario `cluster` (docs/cluster.md): deploy-to-served latency on every node of a three-node
 * cluster on one PostgreSQL (cluster-deploy.ts). CPU per request with BUNTIME_PROCESSES=2 vs 1
 * belongs here too, as its own rows.
 */
import type { Scenario } from "../scenario.ts";
import { deployToServed } from "./cluster-deploy.ts";

export const cluster: Scenario = {
  name: "cluster",
  title: "cluster: deploy-to-served latency on every node (3 nodes, one PostgreSQL)",
  async run(ctx) {
    return [...(await deployToServed(ctx))];
  },
};
