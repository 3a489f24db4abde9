/**
 * `npm run test:packages`: the three packages as an app author's repository gets them. Packs
 * `sdk/`, `server/` and `emulator/` with `npm pack`, installs the tarballs and `bun` with npm
 * into a fresh folder outside this repository (dependencies come from the npm registry), and
 * there runs what the docs promise: `buntime-emulator check` and `serve`, the `buntime` server,
 * `bun test` on the example app repository and on a one-app repository whose `worker.jsonc`
 * names `./node_modules/@buntime/sdk/worker.schema.json`, and `tsc --noEmit` over all of it with
 * `bun init`'s tsconfig and with lib "DOM" (the packages ship `.ts` sources as their types, so
 * an app's type check reads them). Exits 1 on any failure.
 *
 * KEEP=1 keeps the folder for a look afterwards.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { type Ran, run as runCommand } from "../_run.ts";

const ROOT = resolve(import.meta.dir, "../..");
const TEMPLATE = join(import.meta.dir, "template");
const PACKAGES = ["sdk", "server", "emulator"];
/** Generous: the machine may be loaded, and a first `npm install` downloads. */
const STEP_TIMEOUT_MS = 180_000;
const LISTEN_TIMEOUT_MS = 30_000;

const started = performance.now();
const failures: string[] = [];
const seconds = (from: number) => `${((performance.now() - from) / 1000).toFixed(1)} s`;

async function step(name: string, body: () => Promise<void>): Promise<boolean> {
  const at = performance.now();
  console.log(`▶ ${name}`);
  try {
    await body();
    console.log(`✓ ${name} (${seconds(at)})`);
    return true;
  } catch (error) {
    console.log(`✗ ${name} (${seconds(at)}): ${(error as Error).message}`);
    failures.push(name);
    return false;
  }
}

function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

/** Runs a command to its end; its output is returned, and shown when it fails. */
const run = (cmd: string[], cwd: string, env: Record<string, string> = {}): Promise<Ran> =>
  runCommand(cmd, { cwd, env: { ...process.env, ...env }, timeoutMs: STEP_TIMEOUT_MS });

const tail = (ran: Ran) => `\n${`${ran.stdout}\n${ran.stderr}`.trim().split("\n").slice(-25).join("\n")}`;

/**
 * Starts a long-running command, waits for the line naming its URL, calls `use(url)`, then
 * stops it with SIGTERM and checks it exited 0 and stopped listening.
 */
async function serving(
  cmd: string[],
  cwd: string,
  env: Record<string, string>,
  use: (url: URL) => Promise<void>,
): Promise<void> {
  const child = Bun.spawn(cmd, { cwd, env: { ...process.env, ...env }, stdout: "pipe", stderr: "pipe" });
  const stderr = new Response(child.stderr).text();
  let output = "";
  try {
    const url = await new Promise<URL>((found, fail) => {
      const timer = setTimeout(
        () => fail(new Error(`no URL within ${LISTEN_TIMEOUT_MS} ms:\n${output}`)),
        LISTEN_TIMEOUT_MS,
      );
      void (async () => {
        const decoder = new TextDecoder();
        for await (const chunk of child.stdout) {
          output += decoder.decode(chunk, { stream: true });
          const match = /(http:\/\/127\.0\.0\.1:\d+\/)/.exec(output);
          if (match) {
            clearTimeout(timer);
            found(new URL(match[1] as string));
            return;
          }
        }
        clearTimeout(timer);
        fail(new Error(`exited before listening (status ${await child.exited}):\n${output}\n${await stderr}`));
      })();
    });
    console.log(`  listening on ${url.href}`);
    await use(url);
    child.kill("SIGTERM");
    const code = await Promise.race([child.exited, Bun.sleep(LISTEN_TIMEOUT_MS).then(() => "hung" as const)]);
    check(code === 0, `exit status after SIGTERM: ${code}\n${await stderr}`);
    const after = await fetch(url).then(
      () => "still answering",
      () => "closed",
    );
    check(after === "closed", `${url.href} still answers after the process exited`);
  } finally {
    child.kill("SIGKILL");
  }
}

async function getJson(url: URL): Promise<unknown> {
  const res = await fetch(url);
  if (res.status !== 200) throw new Error(`GET ${url.href}: status ${res.status}: ${await res.text()}`);
  return res.json();
}

// --- the folder, outside the repository -------------------------------------------------------

const base = realpathSync(mkdtempSync(join(tmpdir(), "buntime-packages-")));
const tarballs = join(base, "tarballs");
const repo = join(base, "app-repo");
const bin = (name: string) => join(repo, "node_modules/.bin", name);
console.log(`outside-repo test in ${base}`);
if (!relative(ROOT, base).startsWith("..")) throw new Error(`${base} is inside the repository ${ROOT}`);

let ready = await step("npm pack the three packages", async () => {
  mkdirSync(tarballs);
  for (const pkg of PACKAGES) {
    const ran = await run(["npm", "pack", "--silent", "--pack-destination", tarballs], join(ROOT, pkg));
    check(ran.code === 0, `npm pack ${pkg} exited ${ran.code}${tail(ran)}`);
  }
  const files = readdirSync(tarballs);
  check(files.length === PACKAGES.length, `expected ${PACKAGES.length} tarballs, got ${files.join(", ")}`);
  for (const file of files) {
    const listed = await run(["tar", "tzf", join(tarballs, file)], base);
    const entries = listed.stdout.split("\n").filter(Boolean);
    const stray = entries.filter((e) => /\.test\.ts$|\/fixtures\/|\/test\/|node_modules/.test(e));
    check(stray.length === 0, `${file} carries tests or fixtures: ${stray.join(", ")}`);
    console.log(`  ${file}: ${entries.length} files, no tests or fixtures`);
  }
});

ready &&= await step("npm install the tarballs, bun and typescript into a fresh folder", async () => {
  mkdirSync(repo);
  const version = async (pkg: string) =>
    (await Bun.file(join(ROOT, "node_modules", pkg, "package.json")).json()).version as string;
  const bunVersion = await version("bun");
  // bun's postinstall puts its binary in place; npm asks for scripts to be allowed by name.
  writeFileSync(
    join(repo, "package.json"),
    JSON.stringify({ name: "outside-app-repo", private: true, type: "module", allowScripts: { bun: true } }, null, 2),
  );
  const ran = await run(
    [
      "npm",
      "install",
      "--no-audit",
      "--no-fund",
      ...readdirSync(tarballs).map((f) => join(tarballs, f)),
      `bun@${bunVersion}`,
      // What `bun init` adds for a type check, at this repository's versions.
      `typescript@${await version("typescript")}`,
      `@types/bun@${await version("@types/bun")}`,
    ],
    repo,
  );
  check(ran.code === 0, `npm install exited ${ran.code}${tail(ran)}`);
  const reported = await run([bin("bun"), "--version"], repo);
  check(reported.stdout.trim() === bunVersion, `bun --version: ${reported.stdout}${reported.stderr}`);
  // The example app repository, as it is in fixtures/, and a one-app repository at the root.
  for (const dir of ["apps", "mocks", "test", "bench"]) {
    cpSync(join(ROOT, "fixtures/app-repo", dir), join(repo, dir), { recursive: true });
  }
  cpSync(TEMPLATE, repo, { recursive: true });
  cpSync(join(repo, "test/outside-test.ts"), join(repo, "test/outside.test.ts"));
  rmSync(join(repo, "test/outside-test.ts"));
  check(
    existsSync(join(repo, "node_modules/@buntime/sdk/worker.schema.json")),
    "the SDK's worker.schema.json is missing",
  );
});

if (ready) {
  // The template's tsconfig.json is `bun init`'s (lib ESNext, types from @types/bun);
  // tsconfig.dom.json adds lib DOM. Either way no error, in node_modules included.
  for (const tsconfig of ["tsconfig.json", "tsconfig.dom.json"]) {
    await step(`tsc --noEmit -p ${tsconfig}: no errors, the packages' sources included`, async () => {
      const ran = await run([bin("tsc"), "--noEmit", "-p", tsconfig], repo);
      check(ran.code === 0, `exit ${ran.code}${tail(ran)}`);
    });
  }

  await step("bunx buntime-emulator check --apps apps: exit 0", async () => {
    const ran = await run([bin("bunx"), "buntime-emulator", "check", "--apps", "apps"], repo);
    check(ran.code === 0, `exit ${ran.code}${tail(ran)}`);
    check(/greeter\s+1\.0\.0\s+ok/.test(ran.stdout), `greeter not reported ok${tail(ran)}`);
  });

  await step("bunx buntime-emulator check --apps apps-broken: exit 1, naming the app", async () => {
    const ran = await run([bin("bunx"), "buntime-emulator", "check", "--apps", "apps-broken"], repo);
    check(ran.code === 1, `exit ${ran.code}, expected 1${tail(ran)}`);
    check(/broken\s+1\.0\.0\s+FAIL.*APP_CONFIG_INVALID/.test(ran.stdout), `the broken app is not named${tail(ran)}`);
  });

  await step("bunx buntime-emulator serve answers HTTP", () =>
    serving([bin("bunx"), "buntime-emulator", "serve", "--apps", "apps", "--port", "0"], repo, {}, async (url) => {
      const body = await getJson(new URL("/greeter/?name=Ada", url));
      check(JSON.stringify(body) === '{"greeting":"Hello, Ada!"}', `unexpected body ${JSON.stringify(body)}`);
    }),
  );

  // Supervised, as `npm start` runs it: the server is a child process that receives its
  // environment over IPC (BUNTIME_SUPERVISOR=0 would run it in this process instead).
  await step("bunx buntime (the server, supervised) answers HTTP", () =>
    serving(
      [bin("bunx"), "buntime"],
      repo,
      { PORT: "0", HOST: "127.0.0.1", APPS_DIR: "apps", LOG_LEVEL: "warn" },
      async (url) => {
        const body = await getJson(new URL("/greeter/?name=Ada", url));
        check(JSON.stringify(body) === '{"greeting":"Hello, Ada!"}', `unexpected body ${JSON.stringify(body)}`);
        check((await fetch(new URL("/_/health", url))).status === 200, "/_/health is not 200");
      },
    ),
  );

  await step("bun test there (emulator, defineWorker, properties, mockOutbound, benchApp, $schema)", async () => {
    const ran = await run([bin("bun"), "test"], repo);
    const summary = /(\d+) pass[\s\S]*?(\d+) fail/.exec(ran.stderr);
    console.log(`  ${summary ? `${summary[1]} pass, ${summary[2]} fail` : "no summary"}`);
    check(ran.code === 0, `bun test exited ${ran.code}${tail(ran)}`);
    check(/outside\.test\.ts/.test(ran.stderr), `test/outside.test.ts did not run${tail(ran)}`);
  });
}

if (failures.length === 0 || !process.env.KEEP) rmSync(base, { recursive: true, force: true });
else console.log(`kept ${base}`);
console.log(
  failures.length === 0
    ? `outside-repo test passed in ${seconds(started)}`
    : `outside-repo test FAILED in ${seconds(started)}: ${failures.join("; ")}`,
);
process.exit(failures.length === 0 ? 0 : 1);
