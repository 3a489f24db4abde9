import { expect, test } from "bun:test";
import { MAX_POST_CHARS } from "../protocol/protocol.ts";
import { MAX_WS_MESSAGE_BYTES, websocketHandlers } from "./websocket.ts";

test("a client's message is bounded by MAX_BODY_SIZE, and never past what one post carries as JSON", () => {
  expect(websocketHandlers(1024).maxPayloadLength).toBe(1024);
  expect(websocketHandlers(1024 ** 3).maxPayloadLength).toBe(MAX_WS_MESSAGE_BYTES);
  // A text of control characters is six characters each as JSON (\u0000).
  expect(MAX_WS_MESSAGE_BYTES * 6).toBeLessThan(MAX_POST_CHARS);
});
