/**
 * A first-in first-out queue with O(1) push and shift.
 *
 * Array#shift is O(n) on large arrays, and pipelined connections keep thousands of pending
 * entries. A ring buffer that doubles when full: a queue that holds a few items at a time (a
 * client's replies, one per request) pushes and shifts forever without allocating.
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
  #items: (T | undefined)[] = new Array(8);
  // Capacity minus one: the capacity stays a power of two, so indices wrap with a mask.
  #mask = 7;
  #head = 0;
  #length = 0;

  get length(): number {
    return this.#length;
  }

  push(item: T): void {
    if (this.#length > this.#mask) this.#grow();
    this.#items[(this.#head + this.#length) & this.#mask] = item;
    this.#length++;
  }

  /** The oldest item, without removing it. */
  peek(): T | undefined {
    return this.#length === 0 ? undefined : this.#items[this.#head];
  }

  shift(): T | undefined {
    if (this.#length === 0) return undefined;
    const item = this.#items[this.#head];
    this.#items[this.#head] = undefined;
    this.#head = (this.#head + 1) & this.#mask;
    this.#length--;
    return item;
  }

  /** Removes and returns every item, oldest first. */
  drain(): T[] {
    const rest: T[] = [];
    while (this.#length > 0) rest.push(this.shift()!);
    this.#items = new Array(8);
    this.#mask = 7;
    this.#head = 0;
    return rest;
  }

  #grow(): void {
    const capacity = this.#mask + 1;
    const items: (T | undefined)[] = new Array(capacity * 2);
    for (let i = 0; i < this.#length; i++) items[i] = this.#items[(this.#head + i) & this.#mask];
    this.#items = items;
    this.#mask = capacity * 2 - 1;
    this.#head = 0;
  }
}
