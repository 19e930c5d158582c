import { concatBytes } from "./encoder.ts";
import { ProtocolError } from "./protocol_error.ts";
import { isDoubleText } from "./reply.ts";
import { PartialLine } from "./partial_line.ts";

const CR = 13;
const LF = 10;
const MINUS = 45;
const PLUS = 43;
const DIGIT_0 = 48;
const DIGIT_9 = 57;
const QUESTION = 63;
const COLON = 58;

// Type bytes.
const SIMPLE = 43; // +
const ERROR = 45; // -
const INTEGER = 58; // :
const BULK = 36; // $
const ARRAY = 42; // *
const NULL = 95; // _
const DOUBLE = 44; // ,
const BOOLEAN = 35; // #
const BLOB_ERROR = 33; // !
const VERBATIM = 61; // =
const BIG_NUMBER = 40; // (
const MAP = 37; // %
const SET = 126; // ~
const PUSH = 62; // >
const ATTRIBUTE = 124; // |

// Far beyond any length or integer Redis sends, small enough to stay exact in a double.
const MAX_DIGITS = 15;
// Lines whose text is not checked while they trickle in (a Lua status reply can be long).
const MAX_LINE = 512 * 1024 * 1024;

/**
 * Splits the byte stream from a Redis server into complete top-level replies (RESP2 and
 * RESP3), each returned as its exact bytes so it can be forwarded untouched. An attribute
 * (`|`) and the value it annotates come out as one frame; out-of-band pushes (`>`) come out as
 * frames of their own.
 *
 * A frame that arrived inside one chunk is returned as a view of that chunk (no copy); a frame
 * spread over chunks is joined once when it completes. Scanning resumes where it stopped, so a
 * 100 MB bulk or a million-element array costs one pass. Never modify a chunk after pushing it.
 *
 * @example
 * ```ts
 * const scanner = new ReplyScanner();
 * scanner.push(new TextEncoder().encode("+OK\r\n$5\r\nhel")); // [+OK\r\n]
 * scanner.push(new TextEncoder().encode("lo\r\n")); // [$5\r\nhello\r\n]
 * ```
 */
export class ReplyScanner {
  // Elements still expected by each open aggregate, innermost last.
  #stack: number[] = [];
  // Bytes of the current bulk (payload and its CRLF) not received yet.
  #bulkLeft = 0;
  // For a verbatim string, the #bulkLeft at which the ':' after its format must come, else 0.
  #colonLeft = 0;
  // A header line split across chunks, copied here until its CRLF arrives.
  #partial = new PartialLine();
  #lineOffset = 0;
  // Earlier pieces of the frame in progress.
  #parts: Uint8Array[] = [];
  #partsLength = 0;
  #inFrame = false;
  #frameDone = false;
  #value = 0;
  #streamOffset = 0;
  #failure: ProtocolError | undefined;

  /** Bytes received and held for the frame that is not complete yet. */
  get bufferedBytes(): number {
    return this.#partsLength;
  }

  /**
   * Feeds the next bytes from the server.
   *
   * @returns the top-level frames completed by these bytes, in order
   * @throws {ProtocolError} on bytes that are not RESP, or streamed (`$?`, `*?`) replies, which
   * Redis never sends; every later call throws the same error again
   */
  push(chunk: Uint8Array): Uint8Array[] {
    if (this.#failure) throw new ProtocolError(this.#failure.message, this.#failure.offset);
    const out: Uint8Array[] = [];
    try {
      this.#run(chunk, out);
    } catch (error) {
      if (error instanceof ProtocolError) this.#failure = error;
      throw error;
    }
    this.#streamOffset += chunk.length;
    return out;
  }

  #run(chunk: Uint8Array, out: Uint8Array[]): void {
    const n = chunk.length;
    let p = 0;
    // A frame carried over from earlier chunks continues at the start of this one.
    let frameStart = 0;
    while (p < n) {
      if (this.#bulkLeft > 0) {
        p = this.#skipBulk(chunk, p);
        if (this.#bulkLeft > 0) break;
        this.#elementDone();
      } else if (this.#partial.length > 0) {
        const next = this.#resumeLine(chunk, p);
        if (next < 0) break;
        p = next;
      } else {
        if (!this.#inFrame) {
          this.#inFrame = true;
          frameStart = p;
        }
        const next = this.#header(chunk, p, n, this.#streamOffset);
        if (next < 0) {
          this.#lineOffset = this.#streamOffset + p;
          this.#partial.append(chunk, p, n);
          break;
        }
        p = next;
      }
      if (this.#frameDone) {
        this.#frameDone = false;
        this.#inFrame = false;
        if (this.#parts.length === 0) {
          out.push(new Uint8Array(chunk.buffer, chunk.byteOffset + frameStart, p - frameStart));
        } else {
          this.#parts.push(chunk.subarray(0, p));
          out.push(concatBytes(this.#parts));
          this.#parts = [];
          this.#partsLength = 0;
        }
      }
    }
    if (this.#inFrame && n > frameStart) {
      this.#parts.push(chunk.subarray(frameStart, n));
      this.#partsLength += n - frameStart;
    }
  }

  #skipBulk(chunk: Uint8Array, p: number): number {
    const left = this.#bulkLeft;
    const available = chunk.length - p;
    const colon = this.#colonLeft;
    if (colon > 0 && colon <= left && left - colon < available) {
      if (chunk[p + left - colon] !== COLON) {
        throw this.#error("invalid verbatim string", p + left - colon);
      }
      this.#colonLeft = 0;
    }
    if (available >= left) {
      // Check the CRLF that must close the payload (the CR may have come in an earlier chunk).
      if (left >= 2 && chunk[p + left - 2] !== CR) throw this.#error("expected CRLF", p + left - 2);
      if (chunk[p + left - 1] !== LF) throw this.#error("expected CRLF", p + left - 1);
      this.#bulkLeft = 0;
      return p + left;
    }
    if (available === left - 1 && chunk[chunk.length - 1] !== CR) {
      throw this.#error("expected CRLF", chunk.length - 1);
    }
    this.#bulkLeft = left - available;
    return chunk.length;
  }

  // Continues a header line stashed by an earlier chunk; -1 while it is still incomplete.
  #resumeLine(chunk: Uint8Array, p: number): number {
    const n = chunk.length;
    let next: number;
    if (this.#partial.bytes[this.#partial.length - 1] === CR) {
      next = p + 1;
    } else {
      const cr = chunk.indexOf(CR, p);
      if (cr === -1 || cr + 1 >= n) {
        this.#partial.append(chunk, p, n);
        this.#checkPartialLine();
        return -1;
      }
      next = cr + 2;
    }
    this.#partial.append(chunk, p, next);
    const length = this.#partial.length;
    this.#partial.length = 0;
    if (this.#header(this.#partial.bytes, 0, length, this.#lineOffset) !== length) {
      throw new ProtocolError(
        `Cannot parse RESP reply: malformed line at offset ${this.#lineOffset}`,
        this.#lineOffset,
      );
    }
    return next;
  }

  // Rejects garbage in a partial header as soon as it is seen, as the one-chunk path does, so
  // errors do not depend on chunking; text lines (checked only when complete) just wait.
  #checkPartialLine(): void {
    const type = this.#partial.bytes[0];
    if (type === SIMPLE || type === ERROR || type === DOUBLE) {
      if (this.#partial.length > MAX_LINE) throw this.#error("line too long", 0, this.#lineOffset);
      return;
    }
    this.#header(this.#partial.bytes, 0, this.#partial.length, this.#lineOffset);
  }

  // Scans the header line of one element at buf[p] (its type byte) up to `end`; returns the
  // position after its CRLF, or -1 if the line is not complete yet (state is then unchanged).
  // `base` is the stream offset of buf[0], for error messages.
  #header(buf: Uint8Array, p: number, end: number, base: number): number {
    const type = buf[p];
    switch (type) {
      case BULK:
      case BLOB_ERROR:
      case VERBATIM: {
        const next = this.#number(buf, p + 1, end, base, false, MAX_DIGITS);
        if (next < 0) return -1;
        const length = this.#value;
        if (length === -1 && type === BULK) {
          this.#elementDone();
        } else if (length < 0 || (type === VERBATIM && length < 4)) {
          throw this.#error("invalid length", p, base);
        } else {
          this.#bulkLeft = length + 2;
          // "=<len>\r\ntxt:..." has its ':' after three bytes of format.
          this.#colonLeft = type === VERBATIM ? length - 1 : 0;
        }
        return next;
      }
      case ARRAY:
      case MAP:
      case SET:
      case PUSH:
      case ATTRIBUTE: {
        const next = this.#number(buf, p + 1, end, base, false, MAX_DIGITS);
        if (next < 0) return -1;
        let count = this.#value;
        if (count < 0) {
          if (count !== -1 || type !== ARRAY) throw this.#error("invalid length", p, base);
          count = 0;
        }
        // A map holds key and value per entry; an attribute also holds the value it annotates.
        if (type === MAP) count *= 2;
        else if (type === ATTRIBUTE) count = count * 2 + 1;
        if (count === 0) this.#elementDone();
        else this.#stack.push(count);
        return next;
      }
      case SIMPLE:
      case ERROR:
      case DOUBLE: {
        const cr = buf.indexOf(CR, p + 1);
        if (cr === -1 || cr + 1 >= end) return -1;
        if (buf[cr + 1] !== LF) throw this.#error("expected CRLF", cr + 1, base);
        if (type === DOUBLE && !isDoubleText(buf, p + 1, cr)) {
          throw this.#error("invalid double", p, base);
        }
        this.#elementDone();
        return cr + 2;
      }
      case INTEGER:
      case BIG_NUMBER: {
        const digits = type === INTEGER ? 19 : MAX_LINE;
        const next = this.#number(buf, p + 1, end, base, true, digits);
        if (next >= 0) this.#elementDone();
        return next;
      }
      case NULL:
        return this.#fixed(buf, p, end, base, -1);
      case BOOLEAN:
        return this.#fixed(buf, p, end, base, buf[p + 1]);
      default:
        throw this.#error(
          `unknown type byte 0x${type.toString(16).padStart(2, "0")}`,
          p,
          base,
        );
    }
  }

  // "_\r\n" and "#t\r\n" / "#f\r\n": `flag` is the byte after the type, or -1 for none.
  #fixed(buf: Uint8Array, p: number, end: number, base: number, flag: number): number {
    let i = p + 1;
    if (flag !== -1) {
      if (i >= end) return -1;
      if (flag !== 116 && flag !== 102) throw this.#error("invalid boolean", i, base);
      i++;
    }
    if (i < end && buf[i] !== CR) throw this.#error("expected CRLF", i, base);
    if (i + 1 < end && buf[i + 1] !== LF) throw this.#error("expected CRLF", i + 1, base);
    if (i + 1 >= end) return -1;
    this.#elementDone();
    return i + 2;
  }

  // Parses "[-]digits\r\n" (or "[+-]digits" when `signed`) at buf[start], into #value.
  #number(
    buf: Uint8Array,
    start: number,
    end: number,
    base: number,
    signed: boolean,
    maxDigits: number,
  ): number {
    let i = start;
    let negative = false;
    if (i < end && (buf[i] === MINUS || (signed && buf[i] === PLUS))) {
      negative = buf[i] === MINUS;
      i++;
    }
    const first = i;
    let value = 0;
    while (i < end) {
      const c = buf[i];
      if (c < DIGIT_0 || c > DIGIT_9) break;
      value = value * 10 + (c - DIGIT_0);
      i++;
    }
    if (i - first > maxDigits) throw this.#error("number too long", first, base);
    if (i >= end) return -1;
    if (buf[i] !== CR || i === first) {
      if (buf[i] === QUESTION && i === start) {
        throw this.#error("streamed replies are not supported", i, base);
      }
      throw this.#error("invalid number", i, base);
    }
    if (i + 1 >= end) return -1;
    if (buf[i + 1] !== LF) throw this.#error("expected CRLF", i + 1, base);
    this.#value = negative ? -value : value;
    return i + 2;
  }

  #elementDone(): void {
    const stack = this.#stack;
    for (let d = stack.length - 1; d >= 0; d--) {
      const left = stack[d] - 1;
      if (left > 0) {
        stack[d] = left;
        return;
      }
      // That element completed an aggregate, which is in turn an element of its parent.
      stack.pop();
    }
    this.#frameDone = true;
  }

  #error(what: string, position: number, base = this.#streamOffset): ProtocolError {
    const offset = base + position;
    return new ProtocolError(`Cannot parse RESP reply: ${what} at offset ${offset}`, offset);
  }
}
