/**
 * A first-in first-out queue with O(1) push and shift.
 *
 * Array#shift is O(n) on large arrays; pipelined connections keep thousands of
 * pending entries, so this keeps a head index and compacts occasionally.
 *
 * @example
 * ```ts
 * const q = new FifoQueue<number>();
 * q.push(1);
 * q.push(2);
 * console.assert(q.shift() === 1 && q.length === 1);
 * ```
 */
export class FifoQueue<T> {
  #items: (T | undefined)[] = [];
  #head = 0;

  get length(): number {
    return this.#items.length - this.#head;
  }

  push(item: T): void {
    this.#items.push(item);
  }

  /** The oldest item, without removing it. */
  peek(): T | undefined {
    return this.#items[this.#head];
  }

  shift(): T | undefined {
    if (this.#head >= this.#items.length) return undefined;
    const item = this.#items[this.#head];
    this.#items[this.#head] = undefined;
    this.#head++;
    if (this.#head >= 1024 && this.#head * 2 >= this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return item;
  }

  /** Removes and returns every item, oldest first. */
  drain(): T[] {
    const rest = this.#items.slice(this.#head) as T[];
    this.#items = [];
    this.#head = 0;
    return rest;
  }
}
