import { describe, expect, test } from "bun:test";
import { decideClaim, finishedRecord } from "./leases.ts";

describe("decideClaim: one run per due time, never two at once", () => {
  test("the first claim of a due time runs it, holding the schedule until its run's bound", () => {
    expect(decideClaim(undefined, "a", 1000, 500, 30_000)).toEqual({
      claim: "run",
      next: { due: 1000, holder: "a", until: 30_500 },
    });
  });

  test("a due time claimed already (or an earlier one: a late timer) is taken", () => {
    const record = { due: 2000, holder: "a", until: 0 };
    expect(decideClaim(record, "b", 2000, 2100, 30_000)).toEqual({ claim: "taken", next: undefined });
    expect(decideClaim(record, "b", 1000, 2100, 30_000)).toEqual({ claim: "taken", next: undefined });
    expect(decideClaim(record, "a", 2000, 2100, 30_000).claim).toBe("taken"); // the holder too
  });

  test("a later due time while a run goes is skipped, by exactly one claimer", () => {
    const going = { due: 1000, holder: "a", until: 31_000 };
    const first = decideClaim(going, "b", 2000, 2000, 30_000);
    expect(first).toEqual({ claim: "skip", next: { due: 2000, holder: "a", until: 31_000 } });
    expect(decideClaim(first.next, "a", 2000, 2000, 30_000).claim).toBe("taken");
  });

  test("once the run finished (or its bound passed), the next due time runs", () => {
    const finished = finishedRecord({ due: 1000, holder: "a", until: 31_000 }, "a");
    expect(finished).toEqual({ due: 1000, holder: "a", until: 0 });
    expect(decideClaim(finished, "b", 2000, 2000, 30_000).claim).toBe("run");
    expect(decideClaim({ due: 1000, holder: "a", until: 1500 }, "b", 2000, 2000, 30_000).claim).toBe("run");
  });

  test("only the holder's finish counts", () => {
    expect(finishedRecord({ due: 1000, holder: "a", until: 31_000 }, "b")).toBeUndefined();
    expect(finishedRecord(undefined, "a")).toBeUndefined();
  });
});
