/**
 * A job that may be asked for at any time and runs one at a time (a re-read of a store, of the
 * catalogue): a call while it runs does not start a second run but makes one more run after the
 * current one, so what changed since it began is seen; every such call gets that promise. Runs
 * go on while `goOn()` holds (a stopped owner stops asking again). A run that throws ends the
 * promise with its error.
 */
export class Coalesced {
  readonly #run: () => Promise<void>;
  readonly #goOn: () => boolean;
  #running: Promise<void> | undefined;
  #again = false;

  constructor(run: () => Promise<void>, goOn: () => boolean = () => true) {
    this.#run = run;
    this.#goOn = goOn;
  }

  /** Runs now, or once more after the run under way. */
  call(): Promise<void> {
    if (this.#running) {
      this.#again = true;
      return this.#running;
    }
    this.#running = (async () => {
      do {
        this.#again = false;
        await this.#run();
      } while (this.#again && this.#goOn());
    })().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  /** Resolves when no run is under way (at once when none is). */
  idle(): Promise<void> {
    return this.#running ?? Promise.resolve();
  }
}
