#!/usr/bin/env bun
/**
 * `buntime-emulator serve --apps DIR [--config FILE] [--port N]` and
 * `buntime-emulator check --apps DIR`. Exit codes: 0 ok, 1 a check failed, 2 bad usage.
 */
import { statSync } from "node:fs";
import { parseArgs } from "node:util";
import { styled } from "@buntime/server";
import { checkApps, formatResults } from "./cli/check.ts";
import { createEmulator } from "./emulator.ts";

const HELP = `buntime-emulator: run Buntime apps locally and in CI

Usage:
  buntime-emulator serve --apps DIR [--config FILE] [--port N]
  buntime-emulator check --apps DIR

Commands:
  serve   serve the apps like the Buntime server, until Ctrl-C
  check   start every app version, send it one request, print a table; exit 1 if any failed

Options:
  --apps DIR      folder of apps: DIR/<name>/<version>/  (required)
  --config FILE   buntime.jsonc with plugins (serve)
  --port N        port on 127.0.0.1 (serve; default 8000, 0 = any free port)
  -h, --help      this text
  -v, --version   the version
`;

async function main(argv: string[]): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    console.error(`buntime-emulator: ${(error as Error).message}\n\n${HELP}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (values.version) {
    const pkg = (await Bun.file(new URL("../package.json", import.meta.url)).json()) as { version: string };
    console.log(pkg.version);
    return 0;
  }
  const [command] = positionals;
  if (command !== "serve" && command !== "check") {
    console.error(`buntime-emulator: ${command ? `unknown command "${command}"` : "a command is needed"}\n\n${HELP}`);
    return 2;
  }
  if (!values.apps) {
    console.error("buntime-emulator: --apps DIR is required");
    return 2;
  }
  if (!isFolder(values.apps)) {
    console.error(`buntime-emulator: --apps ${values.apps} is not a folder`);
    return 2;
  }
  if (command === "check") {
    // The progress line rewrites itself with escape codes: only where colours are allowed too.
    const live = styled(process.stderr);
    const progress = live ? (line: string) => process.stderr.write(`\r\x1b[K${line}`) : () => {};
    const results = await checkApps(values.apps, progress);
    if (live) process.stderr.write("\r\x1b[K");
    if (results.length === 0) {
      // A folder one level too deep (or the wrong one) would otherwise pass a CI run that checked nothing.
      console.error(`buntime-emulator: no app version in ${values.apps} (expected <name>/<version>/ folders)`);
      return 1;
    }
    console.log(formatResults(results));
    return results.every((r) => r.ok) ? 0 : 1;
  }
  const port = values.port === undefined ? 8000 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`buntime-emulator: --port must be 0-65535, got "${values.port}"`);
    return 2;
  }
  const emu = await createEmulator({ apps: values.apps, config: values.config, port, logLevel: "info" });
  console.log(`buntime-emulator serving ${values.apps} on ${emu.url}`);
  // What the apps print is captured as log lines (docs/logs.md): shown here, as a dev server would.
  emu.onLog((line) => {
    const out = line.level === "error" || line.level === "warn" ? process.stderr : process.stdout;
    out.write(`[${line.app}@${line.version}] ${line.message}\n`);
  });
  await new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  await emu.dispose();
  return 0;
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      apps: { type: "string" },
      config: { type: "string" },
      port: { type: "string" },
      help: { type: "boolean", short: "h" },
      version: { type: "boolean", short: "v" },
    },
  });
}

process.exitCode = await main(process.argv.slice(2));

function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
