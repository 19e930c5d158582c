/**
 * Per-key mutual exclusion for the steps that touch the source: copying a key, deleting the
 * source copy, and DEL/UNLINK. Without it a DEL could run between a copy's DUMP and its
 * RESTORE, and the RESTORE would bring the deleted key back.
 *
 * @example
 * ```ts ignore
 * const locks = new KeyLocks();
 * const release = await locks.lock(["0\u0000user:1"]);
 * try { /* copy or delete *\/ } finally { release(); }
 * ```
 */
export class KeyLocks {
  #tails = new Map<string, Promise<void>>();

  /** Number of keys currently locked or waited for. */
  get size(): number {
    return this.#tails.size;
  }

  /** Resolves with a release function once all `keys` are held. */
  async lock(keys: readonly string[]): Promise<() => void> {
    // One chain per key, entered in sorted order so two multi-key lockers cannot deadlock.
    const unique = [...new Set(keys)].sort();
    const waits: Promise<void>[] = [];
    const releases: (() => void)[] = [];
    for (const key of unique) {
      const previous = this.#tails.get(key);
      let release!: () => void;
      const mine = new Promise<void>((resolve) => release = resolve);
      const tail = previous ? previous.then(() => mine) : mine;
      this.#tails.set(key, tail);
      if (previous) waits.push(previous);
      releases.push(() => {
        release();
        if (this.#tails.get(key) === tail) this.#tails.delete(key);
      });
    }
    await Promise.all(waits);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      for (const r of releases) r();
    };
  }
}
