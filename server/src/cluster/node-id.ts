import { hostname } from "node:os";

/** This node's id: `BUNTIME_NODE_ID`, or host name and process id (unique per process on a machine). */
export function nodeId(configured: string | undefined): string {
  return configured ?? `${hostname()}-${process.pid}`;
}
