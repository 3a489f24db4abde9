import { expect, test } from "bun:test";
import { metricsPlugin } from "./plugin.ts";

test("a latency bucket bound given twice is refused, naming the option (a scrape would refuse the duplicate series)", async () => {
  const refused = await metricsPlugin({ buckets: [0.1, 0.1, 1] }).catch((error: unknown) => error);
  expect(refused).toBeInstanceOf(Error);
  expect((refused as Error).message).toContain("buckets");
  expect((refused as Error).message).toContain("each bucket bound at most once");
  expect((await metricsPlugin({ buckets: [0.1, 1] })).name).toBe("@buntime/metrics");
});
