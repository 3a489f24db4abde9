/**
 * `buntime deploy <folder|archive> --app NAME --version X [--replace]`: packs a folder (or
 * takes a .tar.gz/.zip as it is), uploads it with a progress line on a TTY, and prints the
 * URL the version is served at.
 */
import { stat } from "node:fs/promises";
import { call, remoteFrom } from "./client.ts";
import { CliError } from "./errors.ts";
import { bytes, colours, styled } from "./format.ts";
import { packFolder } from "./pack.ts";

export interface DeployFlags {
  app?: string;
  version?: string;
  replace?: boolean;
  url?: string;
  key?: string;
}

const GZIP = [0x1f, 0x8b];
const ZIP = [0x50, 0x4b];

/** An archive's content type from its first bytes. */
function archiveType(data: Uint8Array, path: string): string {
  const starts = (magic: number[]) => magic.every((b, i) => data[i] === b);
  if (starts(GZIP)) return "application/gzip";
  if (starts(ZIP)) return "application/zip";
  throw new CliError(`${path} is neither a .tar.gz nor a .zip`);
}

/** The body as a stream that reports how much was sent, for the progress line. */
function withProgress(data: Uint8Array, report: (sent: number) => void): ReadableStream<Uint8Array> {
  const CHUNK = 64 * 1024;
  let sent = 0;
  return new ReadableStream({
    pull(controller) {
      if (sent >= data.byteLength) {
        controller.close();
        return;
      }
      const chunk = data.subarray(sent, sent + CHUNK);
      sent += chunk.byteLength;
      report(sent);
      controller.enqueue(chunk);
    },
  });
}

/** Runs `deploy`; resolves with the line to print. */
export async function deployCommand(target: string | undefined, flags: DeployFlags): Promise<string> {
  if (!target) throw new CliError("deploy needs a folder or an archive", 2);
  if (!flags.app || !flags.version) throw new CliError("deploy needs --app NAME and --version X", 2);
  const remote = remoteFrom(flags);
  const info = await stat(target).catch(() => undefined);
  if (!info) throw new CliError(`no such folder or archive: ${target}`);
  let data: Uint8Array;
  let type: string;
  if (info.isDirectory()) {
    data = await packFolder(target);
    type = "application/gzip";
  } else {
    data = new Uint8Array(await Bun.file(target).arrayBuffer());
    type = archiveType(data, target);
  }
  const live = styled(process.stderr);
  const total = bytes(data.byteLength);
  const progress = (sent: number) => {
    if (!live) return;
    const width = 30;
    const done = Math.round((sent / data.byteLength) * width);
    process.stderr.write(`\r\x1b[K[${"#".repeat(done)}${" ".repeat(width - done)}] ${bytes(sent)} / ${total}`);
  };
  const path = `/_/deployments/${encodeURIComponent(flags.app)}/${encodeURIComponent(flags.version)}`;
  try {
    await call(remote, path, {
      method: flags.replace ? "PUT" : "POST",
      headers: { "content-type": type, "content-length": String(data.byteLength) },
      body: withProgress(data, progress),
      duplex: "half",
    } as RequestInit);
  } finally {
    if (live) process.stderr.write("\r\x1b[K");
  }
  const served = new URL(`${encodeURIComponent(flags.app)}@${encodeURIComponent(flags.version)}/`, remote.url);
  const c = colours();
  return `${c.green("Deployed")} ${flags.app}@${flags.version} (${total}): ${served.href}`;
}
