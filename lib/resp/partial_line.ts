/**
 * A header line that arrived split across chunks, collected until its CRLF shows up.
 * It grows by doubling, so a line that trickles in byte by byte costs linear time.
 */
export class PartialLine {
  bytes: Uint8Array = new Uint8Array(0);
  length = 0;

  /** Appends chunk[from, to). */
  append(chunk: Uint8Array, from: number, to: number): void {
    const needed = this.length + (to - from);
    if (needed > this.bytes.length) {
      const grown = new Uint8Array(Math.max(needed, this.bytes.length * 2, 64));
      grown.set(this.bytes.subarray(0, this.length));
      this.bytes = grown;
    }
    this.bytes.set(chunk.subarray(from, to), this.length);
    this.length = needed;
  }
}
