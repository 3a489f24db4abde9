/**
 * What a worker posted that is not the protocol: not a wire, a line that is not JSON, a byte
 * line without its buffer, a message no schema accepts. Not a `BuntimeError`: it never becomes
 * an answer by itself; the host treats the worker that sent it as crashed (`pool/instance.ts`).
 */
export class ProtocolError extends Error {
  override readonly name = "ProtocolError";
}
