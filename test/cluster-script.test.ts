/**
 * `npm run cluster` (deploy/local/cluster.ts, docs/cluster.md#try-it-on-one-machine): it starts PostgreSQL,
 * three nodes and nginx, prints the URLs, answers through the balancer, and a Ctrl-C (SIGINT to
 * its process group, as a terminal sends it) stops everything: no process of it is left, nor
 * its folder.
 */
import { expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { parseProcStat } from "../server/src/supervised-server.ts";
import { ROOT } from "./_setup.ts";

/** Every live descendant of `pid` (zombies, which run nothing, left out). */
function descendants(pid: number): number[] {
  const parents = new Map<number, number>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = parseProcStat(readFileSync(`/proc/${entry}/stat`, "utf8"));
      if (stat && stat.state !== "Z" && stat.state !== "X") parents.set(Number(entry), stat.ppid);
    } catch {
      // gone meanwhile
    }
  }
  const found: number[] = [];
  const walk = (parent: number) => {
    for (const [child, ppid] of parents) {
      if (ppid === parent) {
        found.push(child);
        walk(child);
      }
    }
  };
  walk(pid);
  return found;
}

function alive(pid: number): boolean {
  try {
    const stat = parseProcStat(readFileSync(`/proc/${pid}/stat`, "utf8"));
    return stat !== undefined && stat.state !== "Z" && stat.state !== "X";
  } catch {
    return false;
  }
}

test("npm run cluster: PostgreSQL, three nodes and nginx; a request through the balancer answers; SIGINT stops everything", async () => {
  const proc = Bun.spawn(["npm", "run", "--silent", "cluster"], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", PORT: "0" },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
    detached: true, // a process group of its own, as a terminal's foreground job is
  });
  const stderr = new Response(proc.stderr).text();
  let out = "";
  const decoder = new TextDecoder();
  try {
    for await (const chunk of proc.stdout) {
      out += decoder.decode(chunk, { stream: true });
      if (out.includes("Ctrl-C stops everything")) break;
    }
    expect(out).toContain("Ctrl-C stops everything");
    expect(out).toMatch(/PostgreSQL on postgres:\/\//);
    for (const node of ["node-a", "node-b", "node-c"])
      expect(out).toMatch(new RegExp(`${node} on http://127\\.0\\.0\\.1:\\d+/`));
    const lb = /load balancer on (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out)?.[1] as string;
    const dir = /\(log (\/\S+)\/node-a\.log\)/.exec(out)?.[1] as string;
    expect(existsSync(dir)).toBe(true);
    const token = /admin token: (\S+)/.exec(out)?.[1] as string;

    // Through nginx: health, and the cluster view of whichever node answers lists all three.
    const health = await fetch(new URL("/_/health", lb));
    expect(health.status).toBe(200);
    const cluster = await fetch(new URL("/_/cluster", lb), { headers: { authorization: `Bearer ${token}` } });
    expect(cluster.status).toBe(200);
    const { nodes } = (await cluster.json()) as { nodes: { id: string }[] };
    expect(nodes.map((n) => n.id).sort()).toEqual(["node-a", "node-b", "node-c"]);

    const running = descendants(proc.pid);
    // npm, the script, 3 supervisors and 3 servers, postgres and its helpers, nginx and its worker.
    expect(running.length).toBeGreaterThanOrEqual(10);

    process.kill(-proc.pid, "SIGINT");
    // npm reports a run ended by SIGINT as 130 whatever the script's own status (0 here).
    expect([0, 130]).toContain(await proc.exited);
    expect(running.filter(alive)).toEqual([]);
    expect(existsSync(dir)).toBe(false);
  } finally {
    try {
      process.kill(-proc.pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
  expect(await stderr).not.toContain("not found");
}, 120_000);
