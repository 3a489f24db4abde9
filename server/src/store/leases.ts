/**
 * Schedule runs claimed in a store, so that in a cluster (or several processes of one machine)
 * each due run happens on exactly one node, and never while another run of the same schedule is
 * going (docs/schedules.md). One record per schedule: the latest due time claimed (a high-water
 * mark: a node whose timer fires late finds its due time taken) and, while a run goes, who runs
 * it and until when at most. In the file store it is held within this process only.
 */
export interface LeaseStore {
  /**
   * Claims the run of `name` due at `due` (ms since the epoch) for `holder`:
   * - `"run"`: the caller runs it; it holds `name` for `ttlMs` or until `finish`;
   * - `"skip"`: another run of `name` is still going: the caller, and only it, counts `due` as
   *   skipped;
   * - `"taken"`: `due`, or a later due time, was claimed already (by another node, or this one).
   * @throws StoreError STORE_UNAVAILABLE
   */
  claim(name: string, holder: string, due: number, ttlMs: number): Promise<Claim>;
  /** `holder`'s run of `name` has ended: the next due time may run. */
  finish(name: string, holder: string): Promise<void>;
}

export type Claim = "run" | "skip" | "taken";

/** What a store keeps per schedule. */
export interface RunRecord {
  /** The latest due time claimed. */
  due: number;
  /** Who runs (or last ran) it. */
  holder: string;
  /** Until when the run may still be going (ms since the epoch); past it, or 0 once finished, it is not. */
  until: number;
}

/**
 * The one rule every backend applies, to the record it read under its lock: what `claim` answers
 * and what the record becomes (undefined: unchanged). Pure.
 */
export function decideClaim(
  record: RunRecord | undefined,
  holder: string,
  due: number,
  now: number,
  ttlMs: number,
): { claim: Claim; next: RunRecord | undefined } {
  if (record && record.due >= due) return { claim: "taken", next: undefined };
  if (record && record.until > now) return { claim: "skip", next: { ...record, due } };
  return { claim: "run", next: { due, holder, until: now + ttlMs } };
}

/** The record once `holder`'s run ended (undefined: unchanged, it was not `holder`'s). */
export function finishedRecord(record: RunRecord | undefined, holder: string): RunRecord | undefined {
  return record && record.holder === holder && record.until !== 0 ? { ...record, until: 0 } : undefined;
}
