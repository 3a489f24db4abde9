/**
 * A worker's lifecycle: `creating → ready → active ⟷ idle`, any live state → `draining`
 * (takes nothing new, finishes what it has), and everything ends in `terminated`.
 */
export type WorkerState = "creating" | "ready" | "active" | "idle" | "draining" | "terminated";

const ALLOWED: Record<WorkerState, readonly WorkerState[]> = {
  creating: ["ready", "terminated"],
  ready: ["active", "draining", "terminated"],
  active: ["idle", "draining", "terminated"],
  idle: ["active", "draining", "terminated"],
  draining: ["terminated"],
  terminated: [],
};

/** Returns `to`, or throws when the lifecycle does not allow `from → to`. */
export function transition(from: WorkerState, to: WorkerState): WorkerState {
  if (!ALLOWED[from].includes(to)) throw new Error(`illegal worker transition ${from} → ${to}`);
  return to;
}

/** States in which a worker takes new requests. */
export function accepts(state: WorkerState): boolean {
  return state === "ready" || state === "active" || state === "idle";
}
