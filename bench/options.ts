/**
 * `bun bench [--quick] [--only <scenario>[,<scenario>…]] [--rounds N] [--seconds N]
 * [--against <git-ref>] [--cpus N]`: the run's options, one schema with the defaults. `--quick` is a smoke
 * run: fewer rounds, 1-second measurements and smaller catalogues; its numbers are for checking
 * the harness, not for comparing. `--against` compares another commit's runtime with this one's. `--cpus N`
 * pins the server to N cores and wrk to another (pinning.ts).
 */
import { parseArgs } from "node:util";
import { formatIssues } from "@buntime/sdk";
import { z } from "zod";

export const benchOptionsSchema = z
  .object({
    quick: z.boolean().default(false),
    /** A git ref whose runtime is compared with the working tree's (scenario compare) instead of a full run. */
    against: z.string().min(1).optional(),
    /** Scenario names to run; empty: all. */
    only: z.array(z.string().min(1)).default([]),
    /** Interleaved rounds per pair (A B A B …), each with fresh server processes. */
    rounds: z.number().int().min(1).default(5),
    /** Seconds of load per measurement (after a warm-up of `warmupSeconds`). */
    seconds: z.number().int().min(1).default(3),
    warmupSeconds: z.number().int().min(1).default(1),
    /** Pinned mode: the server on this many cores (`taskset`), wrk on the next one (see pinning.ts). */
    cpus: z.number().int().min(1).optional(),
    /** wrk threads and connections; see README "Load settings" for why 1 and 32. */
    threads: z.number().int().min(1).default(1),
    connections: z.number().int().min(1).default(32),
    /** Events per SSE stream. */
    sseEvents: z.number().int().min(1).default(10_000),
    /** Never-started versions requested once each (scenario cold). */
    coldVersions: z.number().int().min(2).default(30),
    /** Idle workers whose memory is measured (scenario memory); at most POOL_SIZE. */
    memoryWorkers: z.number().int().min(1).default(100),
    /** App versions in the large catalogue (scenario catalogue). */
    catalogueVersions: z.number().int().min(10).default(1000),
    /** Emulator start-ups timed (scenario emulator). */
    emulatorSamples: z.number().int().min(1).default(10),
  })
  .strict();

export type BenchOptions = z.output<typeof benchOptionsSchema>;

/** What `--quick` changes. */
const QUICK: Partial<BenchOptions> = {
  rounds: 2,
  seconds: 1,
  coldVersions: 6,
  memoryWorkers: 10,
  catalogueVersions: 100,
  emulatorSamples: 3,
};

/** Parses the command line; throws naming the bad flag. */
export function parseBenchArgs(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: "boolean" },
      against: { type: "string" },
      only: { type: "string", multiple: true },
      rounds: { type: "string" },
      seconds: { type: "string" },
      cpus: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
  });
  if (values.help) {
    console.log("usage: bun bench [--quick] [--only <scenario>[,<scenario>…]] [--rounds N] [--seconds N] [--cpus N]");
    console.log(
      "       bun bench --against <git-ref> [--rounds N] [--seconds N]   (that commit's runtime vs this tree's)",
    );
    process.exit(0);
  }
  const only = (values.only ?? []).flatMap((entry) => entry.split(",")).filter(Boolean);
  const number = (text: string | undefined) => (text === undefined ? undefined : Number(text));
  const given = {
    only,
    rounds: number(values.rounds),
    seconds: number(values.seconds),
    cpus: number(values.cpus),
    against: values.against,
  };
  const result = benchOptionsSchema.safeParse({
    ...(values.quick ? { ...QUICK, quick: true } : {}),
    ...Object.fromEntries(Object.entries(given).filter(([, value]) => value !== undefined)),
  });
  if (!result.success) {
    throw new Error(`bench: ${formatIssues(result.error, "(options)", (flag) => `--${flag}`)}`);
  }
  return result.data;
}
