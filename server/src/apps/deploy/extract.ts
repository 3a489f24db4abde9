// PLACEHOLDER so the server compiles while the real module is written; replace this file whole.
export class DeployError extends Error {
  code = "CORRUPT_ARCHIVE";
}
export async function extractArchive(_options: {
  source: ReadableStream<Uint8Array>;
  kind: "tar.gz" | "zip";
  stagingDir: string;
  limits: { maxArchiveBytes: number; maxFiles: number; maxUncompressedBytes: number };
}): Promise<{ root: string; files: number; bytes: number }> {
  throw new DeployError("not implemented yet");
}
