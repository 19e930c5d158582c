/**
 * Keeps the rebalancer's key moves and keyspace counts apart: a count (DBSIZE, KEYS) that
 * walked one node before a move and the other after it would see the key twice, or not at all.
 * Counts wait for moves under way to finish, and moves wait while a count runs. Moves made by
 * clients' own commands (a read that copies) are not held back: a count racing one of those
 * may still be off by that key.
 */
export class CountGate {
  #moving = 0;
  #movesDone: PromiseWithResolvers<void> | undefined;
  #counting = 0;
  #countsDone: PromiseWithResolvers<void> | undefined;

  /** Runs one key move once no count is under way. */
  async move<T>(run: () => Promise<T>): Promise<T> {
    while (this.#countsDone) await this.#countsDone.promise;
    this.#moving++;
    try {
      return await run();
    } finally {
      if (--this.#moving === 0) {
        this.#movesDone?.resolve();
        this.#movesDone = undefined;
      }
    }
  }

  /** Runs a count once the moves under way have finished; new moves wait for it. */
  async count<T>(run: () => Promise<T>): Promise<T> {
    if (this.#counting++ === 0) this.#countsDone = Promise.withResolvers();
    try {
      while (this.#moving > 0) {
        this.#movesDone ??= Promise.withResolvers();
        await this.#movesDone.promise;
      }
      return await run();
    } finally {
      if (--this.#counting === 0) {
        this.#countsDone?.resolve();
        this.#countsDone = undefined;
      }
    }
  }
}
