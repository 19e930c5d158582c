/** What a chain pauses while too much waits: a replication link. */
export interface Pausable {
  pause(): void;
  resume(): void;
}

/** Steps waiting before the source is paused, and the count it resumes below. */
const HIGH = 32;
const LOW = 8;

/**
 * Runs async steps one after another in the order they were added, for link events that arrive
 * synchronously but need the hooks' worker: the source is paused while more than {@link HIGH}
 * steps wait (back-pressure instead of memory), and the first failure is reported once and
 * ends the chain's work.
 */
export class StepChain {
  #chain: Promise<void> = Promise.resolve();
  #waiting = 0;
  #paused: Pausable | undefined;
  #failed = false;

  constructor(
    readonly onError: (error: Error) => void,
    /** False while someone else holds the source paused (it resumes it itself). */
    readonly mayResume: () => boolean = () => true,
  ) {}

  step(source: Pausable, work: () => void | Promise<void>): void {
    if (++this.#waiting > HIGH && !this.#paused) {
      this.#paused = source;
      source.pause();
    }
    this.#chain = this.#chain.then(async () => {
      try {
        if (!this.#failed) await work();
      } catch (error) {
        this.#failed = true;
        this.onError(error as Error);
      } finally {
        if (--this.#waiting < LOW && this.#paused && this.mayResume()) {
          this.#paused.resume();
          this.#paused = undefined;
        }
      }
    });
  }

  /** Steps added and not yet done. */
  get pending(): number {
    return this.#waiting;
  }

  /** Resolves once every step added so far has run. */
  idle(): Promise<void> {
    return this.#chain;
  }

  /** Starts over (a new link): the failure is forgotten. */
  reset(): void {
    this.#failed = false;
  }
}
