import { Signal } from "../util/mod.ts";

/**
 * The filtered replication stream as the proxy emitted it, addressed by the proxy's own offsets
 * and bounded in size: replicas read from it at their own pace, a reconnecting replica continues
 * from it, and one that falls behind its start needs a full sync. Chunks are kept as appended,
 * so reading never copies.
 */
export class Backlog {
  #chunks: Uint8Array[] = [];
  /** Proxy offset of the first byte of `#chunks[0]`. */
  #start = 0;
  #bytes = 0;
  #changed = new Signal();

  constructor(readonly capacity: number, start = 0) {
    this.#start = start;
  }

  /** Offset of the oldest byte still held. */
  get start(): number {
    return this.#start;
  }

  /** Offset just past the newest byte: the proxy's replication offset. */
  get end(): number {
    return this.#start + this.#bytes;
  }

  /** Forgets everything and starts empty at `offset` (a new snapshot, a restart). */
  reset(offset: number): void {
    this.#chunks = [];
    this.#bytes = 0;
    this.#start = offset;
    this.#changed.wake();
  }

  append(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.#chunks.push(bytes);
    this.#bytes += bytes.length;
    while (this.#bytes - this.#chunks[0].length >= this.capacity && this.#chunks.length > 1) {
      const dropped = this.#chunks.shift()!;
      this.#bytes -= dropped.length;
      this.#start += dropped.length;
    }
    this.#changed.wake();
  }

  /**
   * The bytes from `offset` on, as held (undefined when `offset` is before {@link start}, i.e.
   * trimmed away). Empty when there is nothing new yet.
   */
  read(offset: number, maxBytes = 1 << 20): Uint8Array[] | undefined {
    if (offset < this.#start) return undefined;
    const out: Uint8Array[] = [];
    let at = this.#start;
    let taken = 0;
    for (const chunk of this.#chunks) {
      const next = at + chunk.length;
      if (next > offset) {
        const piece = chunk.subarray(Math.max(0, offset - at));
        out.push(piece);
        taken += piece.length;
        offset += piece.length;
        if (taken >= maxBytes) break;
      }
      at = next;
    }
    return out;
  }

  /** Resolves on the next append or reset. */
  changed(): Promise<void> {
    return this.#changed.wait();
  }
}
