import { findCrlf, parseInteger } from "./bytes.ts";
import { ProtocolError } from "./protocol_error.ts";

const INITIAL_CAPACITY = 16 * 1024;

/**
 * Finds the boundaries of replies from a Redis server (RESP2 and RESP3) and returns each
 * top-level reply as its exact bytes, so it can be forwarded untouched.
 *
 * Scanning resumes where it stopped: a reply that arrives in many chunks (a 100 MB bulk, an
 * array of a million elements) is scanned once, and bytes are appended to a buffer that grows
 * by doubling, so the cost stays linear in the size of the reply.
 *
 * @example
 * ```ts
 * const scanner = new ReplyScanner();
 * const frames = scanner.push(new TextEncoder().encode("+OK\r\n$5\r\nhel"));
 * console.assert(frames.length === 1);
 * console.assert(scanner.push(new TextEncoder().encode("lo\r\n")).length === 1);
 * ```
 */
export class ReplyScanner {
  #buf = new Uint8Array(INITIAL_CAPACITY);
  #len = 0;
  #start = 0;
  #pos = 0;
  // Elements still expected by each open aggregate, innermost last.
  #open: number[] = [];
  #consumed = 0;

  /** Feeds bytes; returns every reply they complete. Throws ProtocolError on bad bytes. */
  push(chunk: Uint8Array): Uint8Array[] {
    this.#append(chunk);
    const frames: Uint8Array[] = [];
    while (this.#scan()) {
      frames.push(this.#buf.slice(this.#start, this.#pos));
      this.#start = this.#pos;
    }
    if (this.#start === this.#len) {
      this.#consumed += this.#len;
      this.#start = this.#pos = this.#len = 0;
      if (this.#buf.length > 4 * INITIAL_CAPACITY) this.#buf = new Uint8Array(INITIAL_CAPACITY);
    }
    return frames;
  }

  #append(chunk: Uint8Array): void {
    if (this.#len + chunk.length > this.#buf.length) {
      const live = this.#len - this.#start;
      if (this.#start > 0 && live + chunk.length <= this.#buf.length) {
        this.#buf.copyWithin(0, this.#start, this.#len);
      } else {
        const grown = new Uint8Array(Math.max(this.#buf.length * 2, live + chunk.length));
        grown.set(this.#buf.subarray(this.#start, this.#len));
        this.#buf = grown;
      }
      this.#consumed += this.#start;
      this.#pos -= this.#start;
      this.#len = live;
      this.#start = 0;
    }
    this.#buf.set(chunk, this.#len);
    this.#len += chunk.length;
  }

  /** Advances over elements; true when a whole top-level reply ends at #pos. */
  #scan(): boolean {
    const buf = this.#buf;
    while (this.#pos < this.#len) {
      const pos = this.#pos;
      const type = buf[pos];
      const crlf = findCrlf(buf, pos + 1, this.#len);
      if (crlf < 0) return false;
      let count = 0;
      switch (type) {
        case 43: // + simple string
        case 45: // - error
        case 58: // : integer
        case 95: // _ null
        case 44: // , double
        case 35: // # boolean
        case 40: // ( big number
          this.#pos = crlf + 2;
          break;
        case 36: // $ bulk string
        case 33: // ! blob error
        case 61: { // = verbatim string
          const length = this.#length(pos, crlf);
          if (length < 0) {
            this.#pos = crlf + 2;
            break;
          }
          const next = crlf + 2 + length + 2;
          if (next > this.#len) return false;
          this.#pos = next;
          break;
        }
        case 42: // * array
        case 126: // ~ set
        case 62: // > push
          count = this.#length(pos, crlf);
          this.#pos = crlf + 2;
          break;
        case 37: // % map
          count = this.#length(pos, crlf) * 2;
          this.#pos = crlf + 2;
          break;
        case 124: // | attribute: its pairs, then the value it describes, form one element
          count = this.#length(pos, crlf) * 2 + 1;
          this.#pos = crlf + 2;
          break;
        default:
          throw new ProtocolError(
            `Cannot parse RESP reply: unknown type byte 0x${type.toString(16).padStart(2, "0")} ` +
              `at offset ${this.#consumed + pos}`,
            this.#consumed + pos,
          );
      }
      if (count > 0) {
        this.#open.push(count);
        continue;
      }
      // One element is complete: close every aggregate it completes.
      while (this.#open.length > 0) {
        const top = this.#open.length - 1;
        if (--this.#open[top] > 0) break;
        this.#open.pop();
      }
      if (this.#open.length === 0) return true;
    }
    return false;
  }

  #length(pos: number, crlf: number): number {
    const value = parseInteger(this.#buf, pos + 1, crlf);
    if (Number.isNaN(value) || value < -1) {
      const text = new TextDecoder().decode(this.#buf.subarray(pos, crlf));
      throw new ProtocolError(
        `Cannot parse RESP reply: bad length "${text}" at offset ${this.#consumed + pos}`,
        this.#consumed + pos,
      );
    }
    return value;
  }
}
