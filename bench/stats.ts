/**
 * Summaries of repeated measurements: the median says what to expect, min–max how noisy the
 * machine was. Medians rather than means, because one stalled round on a shared machine would
 * drag a mean far from every other sample.
 */

/** One measured quantity over all rounds. */
export interface Summary {
  /** The median of the samples, or the percentile named by `statistic`. */
  value: number;
  statistic: "median" | `p${number}`;
  min: number;
  max: number;
  /** Every sample, in the order measured. */
  samples: number[];
}

/** The `p`-th percentile (0–100) of `values`, nearest rank; NaN when empty. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))] as number;
}

/** The median (the mean of the middle two for an even count); NaN when empty. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Median (or the `statistic` percentile), min and max of `samples`. */
export function summarise(samples: readonly number[], statistic: Summary["statistic"] = "median"): Summary {
  return {
    value: statistic === "median" ? median(samples) : percentile(samples, Number(statistic.slice(1))),
    statistic,
    min: samples.length ? Math.min(...samples) : Number.NaN,
    max: samples.length ? Math.max(...samples) : Number.NaN,
    samples: [...samples],
  };
}
