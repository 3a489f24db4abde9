/**
 * The Dockerfile (docs/cluster.md#kubernetes), with no Docker engine here: its build stage is
 * played in a temporary folder (each COPY from the build context as .dockerignore filters it,
 * `npm ci` stood in for by this checkout's node_modules, every other RUN run as written), then
 * what the final stage copies must exist, and the binary must start with the image's ENV, CMD
 * and USER rules and pass the image's HEALTHCHECK command.
 */
import { afterAll, expect, test } from "bun:test";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import dockerignore from "@balena/dockerignore";
import { DockerfileParser, type Instruction } from "dockerfile-ast";
import { loadEnv } from "../server/src/constants.ts";
import { startServerProcess } from "./_server-process.ts";
import { freePort, ROOT } from "./_setup.ts";

const WORK = join(ROOT, ".tmp", `container-${process.pid}`);
afterAll(() => rmSync(WORK, { recursive: true, force: true }));

const dockerfile = DockerfileParser.parse(readFileSync(join(ROOT, "Dockerfile"), "utf8"));
const ignored = dockerignore().add(readFileSync(join(ROOT, ".dockerignore"), "utf8"));

interface Stage {
  name: string | undefined;
  instructions: Instruction[];
}

/** The stages, each with the instructions after its FROM. */
function stages(): Stage[] {
  const list: Stage[] = [];
  for (const instruction of dockerfile.getInstructions()) {
    const args = instruction.getArguments().map((a) => a.getValue());
    if (instruction.getKeyword() === "FROM") list.push({ name: args[2], instructions: [] });
    else list.at(-1)?.instructions.push(instruction);
  }
  return list;
}

const args = (instruction: Instruction) => instruction.getArguments().map((a) => a.getValue());
const flag = (instruction: Instruction, name: string) =>
  (instruction as unknown as { getFlags(): { getName(): string; getValue(): string }[] })
    .getFlags()
    .find((f) => f.getName() === name)
    ?.getValue();
/** An exec-form JSON array as Docker reads it (the parser gives its words with the brackets). */
const execForm = (instruction: Instruction, from = 0) =>
  JSON.parse(instruction.getArgumentsContent()?.slice(from) ?? "[]");

/** Every file under `path` in the build context (what .dockerignore lets through). */
function contextFiles(path: string): string[] {
  const full = join(ROOT, path);
  expect(existsSync(full) ? path : `missing from the repository: ${path}`).toBe(path);
  if (!statSync(full).isDirectory()) return ignored.ignores(path) ? [] : [path];
  return readdirSync(full).flatMap((entry) => {
    const child = join(path, entry);
    if (ignored.ignores(child) || ignored.ignores(`${child}/`)) {
      // A folder that is excluded may still hold re-included files (`!emulator/package.json`).
      return statSync(join(ROOT, child)).isDirectory() ? contextFiles(child).filter((f) => !ignored.ignores(f)) : [];
    }
    return contextFiles(child);
  });
}

test("the build stage, played from the build context, builds what the final stage copies; the binary starts as the image runs it and passes its HEALTHCHECK", async () => {
  const [build, final] = stages() as [Stage, Stage];
  expect(build.name).toBe("build");
  let workdir = "/";
  const root = join(WORK, "build");
  const local = (path: string) => join(root, path);
  for (const instruction of build.instructions) {
    const keyword = instruction.getKeyword();
    if (keyword === "WORKDIR") {
      workdir = args(instruction)[0] as string;
      mkdirSync(local(workdir), { recursive: true });
    } else if (keyword === "COPY") {
      const words = args(instruction);
      const dest = words.pop() as string;
      for (const source of words) {
        const files = contextFiles(source);
        expect(files.length).toBeGreaterThan(0);
        for (const file of files) {
          // `COPY dir dest` copies the folder's contents; `COPY file dest/` into it; `COPY file path` as it.
          const isDir = statSync(join(ROOT, source)).isDirectory();
          const target = isDir
            ? join(workdir, dest, relative(source, file))
            : dest.endsWith("/") || words.length > 1
              ? join(workdir, dest, file.split("/").pop() as string)
              : join(workdir, dest);
          mkdirSync(dirname(local(target)), { recursive: true });
          cpSync(join(ROOT, file), local(target));
        }
      }
    } else if (keyword === "RUN") {
      const command = args(instruction);
      if (command[0] === "npm" && command[1] === "ci") {
        // No registry download here: this checkout's installed tree stands in for npm ci's.
        symlinkSync(join(ROOT, "node_modules"), local(join(workdir, "node_modules")));
        continue;
      }
      const run = Bun.spawnSync(["sh", "-c", instruction.getArgumentsContent() as string], {
        cwd: local(workdir),
        stdout: "pipe",
        stderr: "pipe",
      });
      expect(run.exitCode === 0 ? 0 : run.stderr.toString()).toBe(0);
    } else {
      expect(`unexpected ${keyword} in the build stage`).toBe("");
    }
  }

  // The final stage: what it copies from the build stage exists; what it runs is that copy.
  const copies = final.instructions.filter((i) => i.getKeyword() === "COPY");
  expect(copies.every((copy) => flag(copy, "from") === "build")).toBe(true);
  const [source, installed] = args(copies[0] as Instruction) as [string, string];
  const binary = local(source);
  expect(existsSync(binary)).toBe(true);
  const entrypoint = execForm(final.instructions.find((i) => i.getKeyword() === "ENTRYPOINT") as Instruction);
  expect(entrypoint.at(-1)).toBe(installed);
  const healthcheck = final.instructions.find((i) => i.getKeyword() === "HEALTHCHECK") as Instruction;
  const content = healthcheck.getArgumentsContent() as string;
  const healthCommand = JSON.parse(content.slice(content.indexOf("CMD") + 3)) as string[];
  expect(healthCommand[0]).toBe(installed);
  const cmd = execForm(final.instructions.find((i) => i.getKeyword() === "CMD") as Instruction) as string[];
  const user = args(final.instructions.find((i) => i.getKeyword() === "USER") as Instruction)[0] as string;
  expect(Number(user.split(":")[0])).toBeGreaterThan(0);

  // The image's ENV is valid for the server, and it listens where it EXPOSEs.
  const imageEnv: Record<string, string> = {};
  for (const env of final.instructions.filter((i) => i.getKeyword() === "ENV")) {
    for (const pair of args(env)) {
      const [key, value] = pair.split("=") as [string, string];
      imageEnv[key] = value;
    }
  }
  expect(() => loadEnv(imageEnv)).not.toThrow();
  const exposed = args(final.instructions.find((i) => i.getKeyword() === "EXPOSE") as Instruction)[0];
  expect(exposed).toBe(imageEnv.PORT);

  // Start it as the image would (tini aside), on a free port and the image's folders moved under WORK.
  const port = String(freePort());
  const env = {
    ...imageEnv,
    PATH: process.env.PATH ?? "",
    PORT: port,
    HOST: "127.0.0.1",
    APPS_DIR: join(WORK, "apps"),
    BUNTIME_DATA_DIR: join(WORK, "data"),
  };
  mkdirSync(env.APPS_DIR, { recursive: true });
  const { proc: server } = await startServerProcess(env, { cmd: [binary, ...cmd], cwd: WORK });
  try {
    const check = Bun.spawnSync([binary, ...healthCommand.slice(1)], { env, stdout: "pipe", stderr: "pipe" });
    expect(check.exitCode).toBe(0);
    expect(check.stdout.toString()).toContain("ok");
    server.kill("SIGTERM");
    expect(await server.exited).toBe(0);
    const after = Bun.spawnSync([binary, ...healthCommand.slice(1)], { env, stdout: "pipe", stderr: "pipe" });
    expect(after.exitCode).toBe(1);
  } finally {
    server.kill("SIGKILL");
  }
}, 120_000);

test("the build context holds no secrets or local state", () => {
  for (const path of [".env", ".git/config", "node_modules/bun/package.json", ".buntime/keys.json", ".tmp/x"]) {
    expect(ignored.ignores(path)).toBe(true);
  }
  for (const path of ["package.json", "server/src/index.ts", "sdk/package.json"])
    expect(ignored.ignores(path)).toBe(false);
});
