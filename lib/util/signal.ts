/** Wakes everyone waiting, each time something changed: many waiters, no value, no memory. */
export class Signal {
  #waiters: (() => void)[] = [];

  /** Resolves at the next {@link wake}. */
  wait(): Promise<void> {
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const resolve of waiters) resolve();
  }
}
