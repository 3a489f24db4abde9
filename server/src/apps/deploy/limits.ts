import { formatIssues } from "@buntime/sdk";
import { z } from "zod";
import { DeployError } from "./errors.ts";

/** The three ceilings an archive must stay under; all are positive integers. */
export const extractLimitsSchema = z.object({
  /** Bytes of the archive as uploaded (compressed). */
  maxArchiveBytes: z.number().int().positive(),
  /** Files and folders created on disk, folders implied by a file's path included. */
  maxFiles: z.number().int().positive(),
  /** Bytes of file content actually written, whatever the headers claim. */
  maxUncompressedBytes: z.number().int().positive(),
});

/** The ceilings of one extraction; see `extractLimitsSchema`. */
export type ExtractLimits = z.output<typeof extractLimitsSchema>;

/**
 * Checks the limits object at the edge, so a bad configuration fails by name before a byte is
 * read. @throws TypeError naming the field
 */
export function parseLimits(input: unknown): ExtractLimits {
  const parsed = extractLimitsSchema.safeParse(input);
  if (!parsed.success) throw new TypeError(`extractArchive: invalid limits: ${formatIssues(parsed.error)}`);
  return parsed.data;
}

/**
 * Running totals of what an extraction has created. Every count is taken *before* the thing is
 * created, so a refusal leaves at most the limit on disk, never one byte or file more.
 */
export class Budget {
  readonly #limits: ExtractLimits;
  #files = 0;
  #bytes = 0;

  constructor(limits: ExtractLimits) {
    this.#limits = limits;
  }

  /** Files and folders created so far. */
  get files(): number {
    return this.#files;
  }

  /** Content bytes written so far. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Counts one file or folder about to be created. @throws DeployError TOO_MANY_FILES */
  addFile(entry: string): void {
    if (this.#files + 1 > this.#limits.maxFiles) {
      throw new DeployError(
        "TOO_MANY_FILES",
        `entry ${JSON.stringify(entry)}: the archive has more than ${this.#limits.maxFiles} files and folders`,
      );
    }
    this.#files += 1;
  }

  /** Counts `count` content bytes about to be written. @throws DeployError TOO_LARGE_UNCOMPRESSED */
  addBytes(entry: string, count: number): void {
    if (this.#bytes + count > this.#limits.maxUncompressedBytes) {
      throw new DeployError(
        "TOO_LARGE_UNCOMPRESSED",
        `entry ${JSON.stringify(entry)}: the archive unpacks to more than ${this.#limits.maxUncompressedBytes} bytes`,
      );
    }
    this.#bytes += count;
  }
}
