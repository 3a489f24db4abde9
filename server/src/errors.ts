/**
 * The runtime's own errors. Every code here is a row of docs/errors.md; the status lives beside
 * the code, once, and `toResponse` is the one place an error becomes HTTP.
 */
export const ERROR_STATUS = {
  INVALID_VERSION: 400,
  DEPLOYMENT_INVALID: 400,
  POLICY_INVALID: 400,
  REQUEST_INVALID: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  ADMIN_LOCKED: 403,
  APP_NOT_FOUND: 404,
  VERSION_NOT_FOUND: 404,
  NOT_FOUND: 404,
  DEPLOYMENT_EXISTS: 409,
  POLICY_EXISTS: 409,
  KEY_EXISTS: 409,
  VERSION_IN_USE: 409,
  BODY_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  APP_CONFIG_INVALID: 500,
  ENTRYPOINT_NOT_FOUND: 500,
  APP_ERROR: 500,
  INTERNAL_ERROR: 500,
  PLUGIN_FAILED: 500,
  WORKER_START_FAILED: 502,
  WORKER_CRASHED: 502,
  APP_OVERLOADED: 503,
  SHUTTING_DOWN: 503,
  AUTH_PROVIDER_UNAVAILABLE: 503,
  STORE_UNAVAILABLE: 503,
  APP_TIMEOUT: 504,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

/** An error the runtime answers with; `code` is one of the contract's codes. */
export class BuntimeError extends Error {
  override readonly name = "BuntimeError";
  readonly code: ErrorCode;
  /** Extra response headers, such as `Retry-After`. */
  readonly headers: Record<string, string>;

  constructor(code: ErrorCode, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.code = code;
    this.headers = headers;
  }

  get status(): number {
    return ERROR_STATUS[this.code];
  }
}

/** Which responses the runtime made, and with which code (for metrics and logs). */
const responseCodes = new WeakMap<Response, ErrorCode>();

/** `{"error":{"code","message"}}` with the code's status. */
export function errorResponse(error: BuntimeError): Response {
  const response = Response.json(
    { error: { code: error.code, message: error.message } },
    { status: error.status, headers: error.headers },
  );
  responseCodes.set(response, error.code);
  return response;
}

/** The runtime's error code when `response` came from `errorResponse`, else undefined. */
export function errorCodeOf(response: Response): ErrorCode | undefined {
  return responseCodes.get(response);
}

/** Any thrown value as a runtime error; unknown ones become INTERNAL_ERROR. */
export function toBuntimeError(error: unknown): BuntimeError {
  if (error instanceof BuntimeError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new BuntimeError("INTERNAL_ERROR", message);
}
