/** Bounds both sides of the protocol hold to (plain values: the guest imports them without zod). */

/** Most characters of a pub/sub topic (the host keeps topics per socket: bounded). */
export const MAX_TOPIC_CHARS = 256;

/** Most topics one WebSocket may be subscribed to (the guest refuses more; the host ignores more). */
export const MAX_TOPICS_PER_SOCKET = 1000;

/**
 * WebSocket flow control (`pool/socket.ts`), the same numbers on both sides. App → client: the
 * app may have `window` bytes of frames not yet credited back by the host (`ws-drain`) before
 * its `ws.send` answers -1 (sent, but back-pressured), and `hardLimit` before it answers 0
 * (dropped), as Bun's `send` does past its `backpressureLimit`; the host credits frames back
 * only while the client's connection holds at most `window` bytes unsent. Client → app: the
 * host stops reading the client once `window` bytes are in transit to the app unacknowledged
 * (`ws-ack`), and reads again below half of it. Credits and acks go out once `step` bytes are
 * due (a quarter of the window), not per frame or per turn: small frames cost no extra message
 * across the thread (which a credit per turn did: about a post each way), and what stays due is
 * below the half a drain or a resume waits for.
 */
export const WS_FLOW = { window: 1024 * 1024, hardLimit: 8 * 1024 * 1024, step: 256 * 1024 } as const;

/**
 * Log lines a worker may write: `rate` a second on average, `burst` at once above it. The guest
 * holds its lines to it (docs/logs.md); the host holds every worker to a looser budget of the
 * same rate, since app code can post log messages of its own.
 */
export const LOG_LINES = { rate: 1000, burst: 1000 } as const;
