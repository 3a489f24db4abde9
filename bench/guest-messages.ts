/**
 * Micro-benchmark: what checking a guest message costs the host per message
 * (`bun bench/guest-messages.ts`). A proxied request's answer is usually one `response-head`;
 * the host parses its JSON line, then checks it (`protocol/guest-messages.ts`).
 */
import { Bench } from "tinybench";
import { guestMessage, isGuestMessage } from "../server/src/protocol/guest-messages.ts";

const head = JSON.stringify({
  type: "response-head",
  id: 12,
  status: 200,
  statusText: "",
  headers: [
    ["content-type", "application/json;charset=utf-8"],
    ["cache-control", "no-store"],
    ["set-cookie", "a=1"],
    ["set-cookie", "b=2"],
  ],
  body: null,
  text: '{"app":"hello","version":"1.0.0","path":"/"}',
});
const parsed: unknown = JSON.parse(head);
const chunk = { type: "response-chunk", id: 12, chunk: new ArrayBuffer(1024) };

const bench = new Bench({ time: 1000 });
bench
  .add("response-head: JSON.parse", () => void JSON.parse(head))
  .add("response-head: JSON.parse + isGuestMessage", () => void isGuestMessage(JSON.parse(head)))
  .add("response-head: JSON.parse + zod safeParse", () => void guestMessage.safeParse(JSON.parse(head)))
  .add("response-head (parsed): isGuestMessage", () => void isGuestMessage(parsed))
  .add("response-head (parsed): zod safeParse", () => void guestMessage.safeParse(parsed))
  .add("response-chunk: isGuestMessage", () => void isGuestMessage(chunk))
  .add("response-chunk: zod safeParse", () => void guestMessage.safeParse(chunk));
await bench.run();
console.table(bench.table());
