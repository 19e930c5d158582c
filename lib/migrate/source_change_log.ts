/**
 * Remembers when the proxy last deleted a key on the source, as a sequence number.
 *
 * A read that found the key missing on the destination and later finds it missing on the
 * source too cannot tell "the key never existed" from "another request copied it and then
 * deleted the source copy in between". Comparing the sequence at which the read was sent with
 * the key's last source change tells the two apart. Memory is bounded: the oldest entries are
 * forgotten, and for a forgotten key {@linkcode changedSince} answers true, the safe answer.
 */
export class SourceChangeLog {
  #sequence = 0;
  #changes = new Map<string, number>();
  #forgottenUpTo = 0;
  readonly #capacity: number;

  constructor(capacity = 100_000) {
    this.#capacity = capacity;
  }

  /** The current sequence number; take it when a request is sent. */
  now(): number {
    return this.#sequence;
  }

  /** Records that the source copy of `key` was deleted (or may have been). */
  record(key: string): void {
    this.#sequence++;
    this.#changes.delete(key);
    this.#changes.set(key, this.#sequence);
    if (this.#changes.size > this.#capacity) {
      const [oldestKey, oldestSequence] = this.#changes.entries().next().value!;
      this.#changes.delete(oldestKey);
      this.#forgottenUpTo = oldestSequence;
    }
  }

  /** True when `key` may have been deleted on the source after sequence `since`. */
  changedSince(key: string, since: number): boolean {
    const at = this.#changes.get(key);
    if (at !== undefined) return at > since;
    return since < this.#forgottenUpTo;
  }
}
