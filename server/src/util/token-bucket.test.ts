import { expect, test } from "bun:test";
import { TokenBucket } from "./token-bucket.ts";

test("a burst at once, then the rate: whole tokens only, never more than the burst", () => {
  const bucket = new TokenBucket(1000, 10, 0);
  expect(bucket.take(15, 0)).toBe(10);
  expect(bucket.take(1, 0)).toBe(0);
  expect(bucket.take(15, 5)).toBe(5); // 5 ms at 1,000 a second
  expect(bucket.take(100, 1_000_000)).toBe(10); // a long wait refills only to the burst
});
