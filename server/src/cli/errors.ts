/**
 * What ends a CLI command early: a one-line message and the exit status (1: it failed, 2: the
 * command line was wrong). `main.ts` prints it as `buntime: <message>`.
 */
export class CliError extends Error {
  override readonly name = "CliError";
  constructor(
    message: string,
    readonly exitCode: 1 | 2 = 1,
  ) {
    super(message);
  }
}
