import { expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { AppVersion } from "../apps/config.ts";
import { createLogger } from "../util/log.ts";
import { createIsolation, IsolationError, modeOf, secretPaths } from "./isolation.ts";

const app = (isolation: "thread" | "process") => ({ config: { isolation } }) as AppVersion;

test("an app's mode is its own choice raised to the floor", () => {
  expect(modeOf(app("thread"), "thread")).toBe("thread");
  expect(modeOf(app("process"), "thread")).toBe("process");
  expect(modeOf(app("thread"), "process")).toBe("process");
});

test("secrets: the data dir, the config file, and authz's policy file (default or set, not with store memory)", () => {
  const plugins = (options: Record<string, unknown>) => ({
    baseDir: "/",
    plugins: [{ specifier: "@buntime/authz", options, required: true }],
  });
  expect(secretPaths("/data", "/etc/buntime.jsonc", plugins({}))).toEqual([
    "/data",
    "/etc/buntime.jsonc",
    resolve("./data/policies.json"),
  ]);
  expect(secretPaths("/data", undefined, plugins({ path: "/p.json" }))).toEqual(["/data", "/p.json"]);
  expect(secretPaths("/data", undefined, plugins({ store: "memory" }))).toEqual(["/data"]);
});

/** A logger whose warnings land in `lines`. */
function capture(lines: { msg: string; warning?: string }[]) {
  return createLogger("info", { write: (line: string) => void lines.push(JSON.parse(line)) } as Parameters<
    typeof createLogger
  >[1]);
}

/**
 * Runs `check` with an isolation set up over a fresh folder (its apps dir and a cgroup root with
 * no cgroup in it), its log lines in `lines`; closes and removes both after.
 */
function withIsolation(
  floor: "thread" | "process",
  check: (
    isolation: ReturnType<typeof createIsolation>,
    lines: { msg: string; warning?: string; app?: string }[],
  ) => void,
): void {
  const root = mkdtempSync(join(tmpdir(), "isolation-"));
  const lines: { msg: string; warning?: string; app?: string }[] = [];
  const isolation = createIsolation({
    floor,
    appUser: "nobody",
    appsDir: root,
    secrets: [],
    logger: capture(lines),
    cgroupRoot: root,
  });
  try {
    check(isolation, lines);
  } finally {
    isolation.close();
    rmSync(root, { recursive: true, force: true });
  }
}

test("what the machine cannot enforce is in the report and logged once at start", () => {
  withIsolation("thread", (isolation, lines) => {
    expect(isolation.report.process.memory).toBe("rlimit");
    expect(isolation.report.process.warnings.some((w) => w.includes("address-space limit"))).toBe(true);
    const logged = lines.filter((l) => l.msg === "process isolation: cannot enforce");
    expect(logged.map((l) => l.warning)).toEqual(isolation.report.process.warnings);
  });
});

test.if(process.getuid?.() === 0)("as root, an app user that does not exist refuses to start (never fail open)", () => {
  const options = { floor: "thread" as const, appsDir: "/nowhere", secrets: [], logger: capture([]) };
  expect(() => createIsolation({ ...options, appUser: "no-such-user-here" })).toThrow(IsolationError);
  expect(() => createIsolation({ ...options, appUser: "root" })).toThrow("is root");
});

test("a version whose thread was abandoned gets processes from then on, until it is gone from disk", () => {
  withIsolation("thread", (isolation, lines) => {
    const version = (name: string) => ({ name, version: "1.0.0", config: { isolation: "thread" } }) as AppVersion;
    const threadTransport = isolation.transportFor(version("other"));
    expect(isolation.transportFor(version("stuck"))).toBe(threadTransport);

    isolation.threadAbandoned("stuck@1.0.0");
    isolation.threadAbandoned("stuck@1.0.0");
    const processTransport = isolation.transportFor(version("stuck"));
    expect(processTransport).not.toBe(threadTransport);
    expect(isolation.transportFor(version("other"))).toBe(threadTransport);
    expect(isolation.transportFor({ ...version("x"), config: { isolation: "process" } } as AppVersion)).toBe(
      processTransport,
    );
    expect(isolation.report.escalated).toEqual(["stuck@1.0.0"]);
    expect(lines.filter((l) => l.app === "stuck@1.0.0")).toHaveLength(1);

    isolation.threadAbandoned("other@1.0.0");
    expect(isolation.report.escalated).toEqual(["stuck@1.0.0", "other@1.0.0"]);
    isolation.versionChanged("stuck@1.0.0", true); // changed on disk, still there: still processes
    expect(isolation.transportFor(version("stuck"))).toBe(processTransport);
    isolation.versionChanged("stuck@1.0.0", false); // removed: forgotten
    isolation.versionChanged("never@1.0.0", false);
    expect(isolation.report.escalated).toEqual(["other@1.0.0"]);
    expect(isolation.transportFor(version("other"))).toBe(processTransport);
    expect(isolation.transportFor(version("stuck"))).toBe(threadTransport);
  });
});

test("under a process floor, an abandoned worker changes nothing", () => {
  withIsolation("process", (isolation) => {
    isolation.threadAbandoned("stuck@1.0.0");
    expect(isolation.report.escalated).toEqual([]);
  });
});
