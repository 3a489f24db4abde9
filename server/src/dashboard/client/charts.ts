/**
 * The three charts (requests per second, latency p50/p99, errors per second by code), drawn by
 * uPlot (loaded as its own script: the global `uPlot`) from the page's StatsHistory.
 */
import type uPlotType from "uplot";
import { maybeId } from "./dom.ts";
import type { Series } from "./history.ts";

declare const uPlot: typeof uPlotType;

const HEIGHT = 200;
const PALETTE = ["#1d5bbf", "#b3261e", "#2e7d32", "#8e24aa", "#ef6c00", "#00838f"];

interface Chart {
  plot: uPlotType;
  observer: ResizeObserver;
  /** Labels of the series it was built with (errors: the codes), to rebuild when they change. */
  labels: string;
}

export class Charts {
  readonly #charts = new Map<string, Chart>();

  /** Draws `series` in the page's chart containers (those present). */
  draw(series: Series): void {
    if (typeof uPlot === "undefined") return;
    this.#set("chart-rps", series.t, [["req/s", series.rps]]);
    // Log scale: p50 is often a fraction of a millisecond while p99 is tens; 0 (no request) is a gap.
    const positive = (values: (number | null)[]) => values.map((v) => (v !== null && v > 0 ? v : null));
    this.#set(
      "chart-latency",
      series.t,
      [
        ["p50 ms", positive(series.p50)],
        ["p99 ms", positive(series.p99)],
      ],
      true,
    );
    const errors = [...series.errors].map(([code, values]) => [code, values] as [string, (number | null)[]]);
    this.#set("chart-errors", series.t, errors.length > 0 ? errors : [["no errors", series.t.map(() => 0)]]);
  }

  #set(id: string, t: number[], lines: [string, (number | null)[]][], log = false): void {
    const container = maybeId(id);
    if (!container) return;
    const labels = lines.map(([label]) => label).join("\n");
    const data = [t, ...lines.map(([, values]) => values)] as uPlotType.AlignedData;
    let chart = this.#charts.get(id);
    if (chart && chart.labels !== labels) {
      chart.observer.disconnect();
      chart.plot.destroy();
      chart = undefined;
    }
    if (!chart) {
      const options: uPlotType.Options = {
        width: Math.max(container.clientWidth - 8, 300),
        height: HEIGHT,
        series: [{}, ...lines.map(([label], i) => ({ label, stroke: PALETTE[i % PALETTE.length], width: 2 }))],
        axes: [{}, { size: 64 }],
        scales: log ? { y: { distr: 3, log: 10 } } : { y: { range: (_u, _min, max) => [0, Math.max(max, 1)] } },
      };
      const plot = new uPlot(options, data, container);
      const observer = new ResizeObserver(() =>
        plot.setSize({ width: Math.max(container.clientWidth - 8, 300), height: HEIGHT }),
      );
      observer.observe(container);
      this.#charts.set(id, { plot, observer, labels });
      return;
    }
    chart.plot.setData(data);
  }
}
