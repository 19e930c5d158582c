// A client can announce 512 MiB and send one byte; growing the buffer from this size on (at
// most quadrupling copies) bounds what a liar costs while a real big value is copied ~1.3 times.
const FIRST_ALLOCATION = 1024 * 1024;

const EMPTY: Uint8Array = new Uint8Array(0);

/** A bulk argument that did not arrive whole in one chunk, assembled as its pieces come. */
export class BulkBuffer {
  #bytes = EMPTY;
  #length = 0;
  #filled = 0;

  /** Bytes of the bulk received so far. */
  get filled(): number {
    return this.#filled;
  }

  /** True once every byte of the announced length is in. */
  get complete(): boolean {
    return this.#filled === this.#length;
  }

  /** Starts a bulk of `length` bytes, none of them received yet. */
  start(length: number): void {
    this.#length = length;
    this.#bytes = new Uint8Array(Math.min(length, FIRST_ALLOCATION));
    this.#filled = 0;
  }

  /** Starts a bulk whose data is all in `data` (only the bytes after it are still due). */
  hold(data: Uint8Array): void {
    this.#bytes = data;
    this.#length = this.#filled = data.length;
  }

  /** Copies in what `chunk` has of the bulk from `p` on; returns the position after it. */
  fill(chunk: Uint8Array, p: number): number {
    const take = Math.min(this.#length - this.#filled, chunk.length - p);
    const filled = this.#filled + take;
    if (filled > this.#bytes.length) {
      const grown = new Uint8Array(
        Math.min(this.#length, Math.max(filled, this.#bytes.length * 4)),
      );
      grown.set(this.#bytes.subarray(0, this.#filled));
      this.#bytes = grown;
    }
    this.#bytes.set(chunk.subarray(p, p + take), this.#filled);
    this.#filled = filled;
    return p + take;
  }

  /** The complete bulk; the buffer is empty again. */
  take(): Uint8Array {
    const bytes = this.#bytes;
    this.#bytes = EMPTY;
    this.#length = this.#filled = 0;
    return bytes;
  }
}
