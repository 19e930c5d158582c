import { copyBytes } from "../resp/mod.ts";

// Every connected client has a read pending at all times, so its buffer is memory held even
// while idle: start small, grow for clients that fill it, shrink again when they quiet down.
const MIN_READ_BUFFER = 1024;
const MAX_READ_BUFFER = 64 * 1024;

/** A client connection's read buffer, sized to what the client sends. */
export class ReadBuffer {
  #bytes = new Uint8Array(MIN_READ_BUFFER);

  /** Where the next read goes. */
  get bytes(): Uint8Array {
    return this.#bytes;
  }

  /**
   * The `n` bytes just read, as a copy of their own (the decoder keeps slices of them past the
   * next read); resizes the buffer for the next read.
   */
  take(n: number): Uint8Array {
    const chunk = copyBytes(this.#bytes.subarray(0, n));
    const size = this.#bytes.length;
    if (n === size && n < MAX_READ_BUFFER) {
      this.#bytes = new Uint8Array(size * 4);
    } else if (n < MIN_READ_BUFFER && size > MIN_READ_BUFFER) {
      this.#bytes = new Uint8Array(MIN_READ_BUFFER);
    }
    return chunk;
  }
}
