/**
 * The `buntime` command line: one parser (node:util parseArgs, as `buntime-emulator` uses) for
 * every subcommand. Exit codes: 0 ok, 1 the command failed, 2 bad usage.
 * `buntime` and `buntime start` serve; `index.ts` handles those before calling `runCli`.
 */

import { parseArgs } from "node:util";
import packageJson from "../../package.json" with { type: "json" };
import { appsCommand } from "./apps.ts";
import { deployCommand } from "./deploy.ts";
import { CliError } from "./errors.ts";
import { healthCommand } from "./health.ts";
import { keysCommand } from "./keys.ts";
import { logsCommand } from "./logs.ts";

export const HELP = `buntime: serve Buntime apps, and manage a server

Usage:
  buntime [start]
  buntime keys create --name NAME --role viewer|deployer|admin [--expires 30d]
  buntime keys list
  buntime keys revoke NAME
  buntime deploy <folder|archive> --app NAME --version X [--replace]
  buntime apps [--json]
  buntime logs NAME [--version X] [--level debug|info|warn|error] [-f] [--json]
  buntime health [--url URL]

Commands:
  start    serve the apps in APPS_DIR (the default command; environment as in the README)
  keys     API keys for the admin routes: on the local key store (BUNTIME_DATA_DIR,
           default ./.buntime), or on the server named by --url / BUNTIME_URL
  deploy   pack a folder (without node_modules, .git and what .gitignore excludes) or take a
           .tar.gz/.zip, upload it, print the URL it is served at
  apps     apps, versions and live workers as a table
  logs     an app's last log lines (what it wrote with console.* and to stdout/stderr);
           -f follows new ones until interrupted
  health   exit 0 when the server's /_/health answers 200 (default: this machine, on PORT)

Options:
  --url URL        the server (default BUNTIME_URL, else http://127.0.0.1:8000)
  --key KEY        an API key or the admin token (default BUNTIME_KEY, else BUNTIME_ADMIN_TOKEN)
  --name NAME      keys create: the key's name
  --role ROLE      keys create: viewer, deployer or admin
  --expires WHEN   keys create: a duration (30d, 12h, 15m, 90s) or an ISO 8601 time
  --app NAME       deploy: the app's name
  --version X      deploy: the version (semver); logs: only that version's lines
  --level LEVEL    logs: that level and above
  -f, --follow     logs: keep printing new lines
  --replace        deploy: replace the version if it exists (PUT)
  --json           keys list, keys create, apps, logs: JSON instead of a table (logs: one line each)
  -h, --help       this text
  -v, --version    alone: the version of @buntime/server
`;

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      url: { type: "string" },
      key: { type: "string" },
      name: { type: "string" },
      role: { type: "string" },
      expires: { type: "string" },
      app: { type: "string" },
      version: { type: "string" },
      replace: { type: "boolean" },
      level: { type: "string" },
      follow: { type: "boolean", short: "f" },
      json: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
}

/** What a command printed, and the exit status. */
export interface CliResult {
  code: 0 | 1 | 2;
  stdout: string;
  stderr: string;
}

/**
 * Runs one CLI command (not `start`).
 * @example
 * const { code, stdout } = await runCli(["apps", "--json"]);
 */
export async function runCli(argv: string[]): Promise<CliResult> {
  // `--version` alone is the program's version (with a command it is an app version's option).
  if (argv.length === 1 && (argv[0] === "--version" || argv[0] === "-v")) {
    return { code: 0, stdout: `${packageJson.version}\n`, stderr: "" };
  }
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    return { code: 2, stdout: "", stderr: `buntime: ${(error as Error).message}\n\n${HELP}` };
  }
  const { values, positionals } = parsed;
  if (values.help) return { code: 0, stdout: HELP, stderr: "" };
  const [command, ...rest] = positionals;
  try {
    let out: string;
    switch (command) {
      case "keys":
        out = await keysCommand(rest[0], rest.slice(1), values);
        break;
      case "deploy":
        out = await deployCommand(rest[0], values);
        break;
      case "apps":
        out = await appsCommand(values);
        break;
      case "logs":
        out = await logsCommand(rest[0], values);
        break;
      case "health":
        out = await healthCommand(values);
        break;
      default:
        return { code: 2, stdout: "", stderr: `buntime: unknown command "${command}"\n\n${HELP}` };
    }
    // A followed stream printed as it went: nothing is left to print.
    return { code: 0, stdout: out === "" && command === "logs" ? "" : `${out}\n`, stderr: "" };
  } catch (error) {
    if (error instanceof CliError) {
      const usage = error.exitCode === 2 ? `\n\n${HELP}` : "";
      return { code: error.exitCode, stdout: "", stderr: `buntime: ${error.message}${usage}\n` };
    }
    return { code: 1, stdout: "", stderr: `buntime: ${(error as Error).message}\n` };
  }
}
