/**
 * XACML 3.0 status codes and the error that carries one: the lowest layer of the PDP (the data
 * types parse values with them), re-exported by `decision.ts`.
 */

/** XACML 3.0 §B.8 status codes. */
export const STATUS = {
  ok: "urn:oasis:names:tc:xacml:1.0:status:ok",
  missingAttribute: "urn:oasis:names:tc:xacml:1.0:status:missing-attribute",
  syntaxError: "urn:oasis:names:tc:xacml:1.0:status:syntax-error",
  processingError: "urn:oasis:names:tc:xacml:1.0:status:processing-error",
} as const;

/** One of the status codes. */
export type StatusCode = (typeof STATUS)[keyof typeof STATUS];

/** An evaluation's status: ok, or what went wrong. */
export interface Status {
  code: StatusCode;
  message?: string;
}

/**
 * Thrown while evaluating an expression or a designator; the element being evaluated becomes
 * Indeterminate with this status (XACML 3.0 §7.19: errors never escape as exceptions).
 */
export class EvaluationError extends Error {
  override readonly name = "EvaluationError";
  readonly status: Status;

  constructor(code: StatusCode, message: string) {
    super(message);
    this.status = { code, message };
  }
}

/** The status of any thrown value; anything but an EvaluationError is a processing error. */
export function statusOf(error: unknown): Status {
  if (error instanceof EvaluationError) return error.status;
  return { code: STATUS.processingError, message: error instanceof Error ? error.message : String(error) };
}
