/**
 * `buntime keys create | list | revoke`: on the local key store (BUNTIME_DATA_DIR, what a
 * server on this machine reads on its next request), or on a running server with `--url`.
 */
import { resolve } from "node:path";
import { createKey, publicKey, storeError } from "../admin/keys-routes.ts";
import { envSchema } from "../constants.ts";
import { BuntimeError } from "../errors.ts";
import { fileKeyStore } from "../store/file-key-store.ts";
import { call, namesRemote, remoteFrom } from "./client.ts";
import { CliError } from "./errors.ts";
import { colours, table } from "./format.ts";

export interface KeysFlags {
  name?: string;
  role?: string;
  expires?: string;
  url?: string;
  key?: string;
  json?: boolean;
}

type Listed = ReturnType<typeof publicKey>;

/** BUNTIME_DATA_DIR as the server reads it (its default from the one env schema). */
function localDataDir(): string {
  const parsed = envSchema.shape.BUNTIME_DATA_DIR.safeParse(process.env.BUNTIME_DATA_DIR || undefined);
  if (!parsed.success) throw new CliError("BUNTIME_DATA_DIR must be a folder path", 2);
  return resolve(parsed.data);
}

/** Runs `keys <action>`; resolves with the text to print. */
export async function keysCommand(action: string | undefined, rest: string[], flags: KeysFlags): Promise<string> {
  const remote = namesRemote(flags) ? remoteFrom(flags) : undefined;
  const store = remote ? undefined : fileKeyStore(localDataDir());
  try {
    switch (action) {
      case "create": {
        if (!flags.name || !flags.role)
          throw new CliError("keys create needs --name NAME and --role viewer|deployer|admin", 2);
        const input = { name: flags.name, role: flags.role, expires: flags.expires ?? null };
        const made = remote
          ? ((await (
              await call(remote, "/_/keys", {
                method: "POST",
                headers: { "content-type": "application/json" },
                body: JSON.stringify(input),
              })
            ).json()) as { name: string; role: string; key: string; expires: string | null })
          : await createKey(store!, input);
        if (flags.json) return JSON.stringify(made, null, 2);
        const c = colours();
        return [
          `Created key ${c.bold(made.name)} (role ${made.role}, ${made.expires ? `expires ${made.expires}` : "never expires"}).`,
          "It is shown once; store it now:",
          "",
          `  ${made.key}`,
          "",
          c.dim("Send it as Authorization: Bearer <key>, or set BUNTIME_KEY for this CLI."),
        ].join("\n");
      }
      case "list": {
        const keys = remote
          ? ((await (await call(remote, "/_/keys")).json()) as Listed[])
          : (await store!.list()).map(publicKey);
        if (flags.json) return JSON.stringify(keys, null, 2);
        if (keys.length === 0) return "No keys.";
        return table(
          ["NAME", "ROLE", "CREATED", "EXPIRES", "LAST USED"],
          keys.map((k) => [k.name, k.role, k.created, k.expires ?? "never", k.lastUsed ?? "never"]),
        );
      }
      case "revoke": {
        const name = rest[0];
        if (!name) throw new CliError("keys revoke needs the key's name", 2);
        if (remote) await call(remote, `/_/keys/${encodeURIComponent(name)}`, { method: "DELETE" });
        else if (!(await store!.remove(name))) throw new CliError(`no key named "${name}"`);
        return `Revoked key ${name}.`;
      }
      default:
        throw new CliError(
          action ? `unknown keys action "${action}"` : "keys needs an action: create, list or revoke",
          2,
        );
    }
  } catch (error) {
    if (error instanceof CliError) throw error;
    const failure = error instanceof BuntimeError ? error : storeError(error);
    throw new CliError(failure.message, failure.code === "REQUEST_INVALID" ? 2 : 1);
  }
}
