import { parseInteger } from "./parse_integer.ts";
import { ProtocolError } from "./protocol_error.ts";
import { splitInlineArgs } from "./split_inline_args.ts";
import { PartialLine } from "./partial_line.ts";
import { concatBytes } from "./encoder.ts";
import { BulkBuffer } from "./bulk_buffer.ts";

/** Limits on what one client request may hold; the defaults are Redis's. */
export interface RequestLimits {
  /** Largest bulk argument in bytes (Redis `proto-max-bulk-len`, 512 MiB). */
  maxBulkLength?: number;
  /** Most arguments in one multibulk request (1024 * 1024). */
  maxMultibulkLength?: number;
  /** Longest inline line, and longest `*N` / `$N` header line (PROTO_INLINE_MAX_SIZE, 64 KiB). */
  maxInlineLength?: number;
  /**
   * True while the client has yet to authenticate: requests are then held to Redis 7's
   * unauthenticated limits (10 arguments, 16 KiB bulks), and decoding stops after each request
   * so that an AUTH takes effect before the next one is judged.
   */
  authRequired?: () => boolean;
}

/** Which configured limit a rejected request exceeded. */
export type RequestLimit = "bulk" | "multibulk";

// Redis 7's limits on requests from a client that has not authenticated yet.
const UNAUTHENTICATED_MAX_ARGS = 10;
const UNAUTHENTICATED_MAX_BULK = 16384;
const MAX_INT32 = 2 ** 31 - 1;

const CR = 13;
const LF = 10;
const STAR = 42;
const DOLLAR = 36;
const DIGIT_0 = 48;
const DIGIT_9 = 57;

// What the next bytes of the stream are.
const IDLE = 0; // the first byte of a request
const INLINE = 1; // an inline line
const COUNT = 2; // a "*N" line
const BULK_HEADER = 3; // a "$N" line
const BULK_BODY = 4; // bulk data being copied into #bulk (a BulkBuffer)
const BULK_END = 5; // the two bytes after a bulk (Redis skips them unchecked)

const EMPTY: Uint8Array = new Uint8Array(0);
// Placeholder between requests; never written to, since a request always sets #args first.
const NO_ARGS: Uint8Array[] = [];
const ARGS_PREALLOCATED = 1024;

/**
 * Decodes client requests fed as raw socket bytes split anywhere: RESP2 multibulk
 * (`*2\r\n$3\r\nGET\r\n$1\r\nk\r\n`) and inline commands (`GET k\r\n`), with Redis 7's
 * parsing rules and error messages.
 *
 * Returned arguments are views into the pushed chunks where a bulk arrived whole (no copy),
 * otherwise fresh arrays; so never modify a chunk after pushing it. The decoder itself never
 * writes into pushed chunks or into arrays it has returned.
 *
 * @example
 * ```ts
 * const decoder = new RequestDecoder();
 * const commands = decoder.push(new TextEncoder().encode("*1\r\n$4\r\nPING\r\nECHO hi\r\n"));
 * // commands: [[PING], [ECHO, hi]] as Uint8Arrays
 * ```
 */
export class RequestDecoder {
  readonly #maxBulk: number;
  readonly #maxMultibulk: number;
  readonly #maxInline: number;
  readonly #authRequired: (() => boolean) | undefined;
  #state = IDLE;
  // Input left over when decoding stopped after a request of an unauthenticated client.
  #stash: Uint8Array | undefined;
  #limitHit: RequestLimit | undefined;
  // A line that is split across chunks is copied here until its end arrives.
  #partial = new PartialLine();
  // The last complete line, as set by #takeLine (in a chunk or in #partial).
  #lineBuf = EMPTY;
  #lineStart = 0;
  #lineEnd = 0;
  #lineOffset = 0;
  // The request being assembled.
  #args: Uint8Array[] = NO_ARGS;
  #argCount = 0;
  #argsLeft = 0;
  #argsBytes = 0;
  #bulk = new BulkBuffer();
  // The bytes after a bulk still to skip.
  #endLeft = 0;
  #value = 0;
  #streamOffset = 0;
  #failure: ProtocolError | undefined;
  // Where in the chunk being decoded the current request began, while it may still turn out
  // to be a canonical frame wholly inside that chunk; -1 once it cannot.
  #frameStart = -1;
  #frames: (Uint8Array | undefined)[] = [];

  /** @param limits request size limits; omitted ones take Redis's defaults */
  constructor(limits: RequestLimits = {}) {
    this.#maxBulk = limits.maxBulkLength ?? 512 * 1024 * 1024;
    this.#maxMultibulk = limits.maxMultibulkLength ?? 1024 * 1024;
    this.#maxInline = limits.maxInlineLength ?? 64 * 1024;
    this.#authRequired = limits.authRequired;
  }

  /** Bytes received and held for the request that is not complete yet. */
  get bufferedBytes(): number {
    return this.#partial.length + this.#argsBytes + this.#bulk.filled + (this.#stash?.length ?? 0);
  }

  /**
   * True when decoding stopped after a request of a client that must still authenticate:
   * run the requests returned, then `push` an empty chunk to go on.
   */
  get stalled(): boolean {
    return this.#stash !== undefined;
  }

  /** The size limit (configured, or before AUTH) the failed request went over, if any. */
  get limitHit(): RequestLimit | undefined {
    return this.#limitHit;
  }

  /**
   * The client's own bytes for each request the last {@linkcode push} returned, at the same
   * index, when it arrived whole in that chunk as canonical RESP (every line and bulk ended by
   * CRLF): byte for byte what encoding its arguments gives. Undefined for inline commands,
   * requests split across chunks and Redis's lenient forms.
   */
  get frames(): readonly (Uint8Array | undefined)[] {
    return this.#frames;
  }

  /**
   * Feeds the next bytes from the client.
   *
   * @returns the requests completed by these bytes, in order; each is the argument list
   * (`args[0]` is the command name as sent). Empty inline lines, `*0` and `*-1` give none.
   * @throws {ProtocolError} on malformed input, with Redis's message; the connection must then
   * be closed. Requests completed earlier in the same chunk are on `error.commands`. Every
   * later call throws the same error again.
   */
  push(chunk: Uint8Array): Uint8Array[][] {
    if (this.#failure) throw new ProtocolError(this.#failure.message, this.#failure.offset);
    if (this.#stash !== undefined) {
      chunk = chunk.length === 0 ? this.#stash : concatBytes([this.#stash, chunk]);
      this.#stash = undefined;
    }
    const out: Uint8Array[][] = [];
    this.#frames = [];
    try {
      this.#run(chunk, out);
    } catch (error) {
      if (error instanceof ProtocolError) {
        error.commands = out;
        this.#failure = error;
      }
      throw error;
    }
    // A stash, if #run left one, is counted when it is decoded.
    this.#streamOffset += chunk.length - this.#stashedBytes();
    return out;
  }

  #stashedBytes(): number {
    return this.#stash?.length ?? 0;
  }

  #run(chunk: Uint8Array, out: Uint8Array[][]): void {
    const n = chunk.length;
    let p = 0;
    // A request carried over from an earlier chunk is not whole in this one.
    this.#frameStart = -1;
    while (p < n) {
      switch (this.#state) {
        case IDLE:
          if (out.length > 0 && this.#authRequired?.()) {
            this.#stash = chunk.subarray(p);
            return;
          }
          this.#state = chunk[p] === STAR ? COUNT : INLINE;
          this.#frameStart = p;
          break;
        case COUNT: {
          let next = this.#partial.length === 0 ? this.#quickHeader(chunk, p, STAR) : -1;
          if (next < 0) {
            this.#frameStart = -1;
            next = this.#takeLine(chunk, p, CR, "Protocol error: too big mbulk count string");
            if (next < 0) return;
            this.#value = parseInteger(this.#lineBuf, this.#lineStart + 1, this.#lineEnd);
          } else if (chunk[next - 1] !== LF) {
            this.#frameStart = -1;
          }
          p = next;
          this.#startRequest(this.#value);
          break;
        }
        case BULK_HEADER: {
          let next = this.#partial.length === 0 ? this.#quickHeader(chunk, p, DOLLAR) : -1;
          if (next < 0) {
            this.#frameStart = -1;
            next = this.#takeLine(chunk, p, CR, "Protocol error: too big bulk count string");
            if (next < 0) return;
            this.#checkDollar();
            this.#value = parseInteger(this.#lineBuf, this.#lineStart + 1, this.#lineEnd);
          } else if (chunk[next - 1] !== LF) {
            this.#frameStart = -1;
          }
          p = this.#startBulk(chunk, next, this.#value, out);
          break;
        }
        case BULK_BODY:
          p = this.#bulk.fill(chunk, p);
          if (this.#bulk.complete) {
            this.#endLeft = 2;
            this.#state = BULK_END;
          }
          break;
        case BULK_END: {
          const skip = Math.min(this.#endLeft, n - p);
          p += skip;
          this.#endLeft -= skip;
          if (this.#endLeft === 0) this.#pushArg(this.#bulk.take(), out, chunk, p);
          break;
        }
        case INLINE: {
          const next = this.#takeLine(chunk, p, LF, "Protocol error: too big inline request");
          if (next < 0) return;
          p = next;
          this.#inline(out);
          break;
        }
      }
    }
  }

  // The common case, "<type><1-15 digits>\r?" wholly inside the chunk, parsed without a search
  // or a copy; anything else returns -1 and goes the slow way, which has Redis's exact rules.
  // A line over the header length limit goes that way too, so the limit holds however the
  // bytes were split.
  #quickHeader(chunk: Uint8Array, p: number, type: number): number {
    const n = chunk.length;
    let i = p + 1;
    if (chunk[p] !== type || i >= n) return -1;
    let c = chunk[i++];
    if (c < DIGIT_0 || c > DIGIT_9) return -1;
    let value = c - DIGIT_0;
    if (value !== 0) {
      while (i < n) {
        c = chunk[i];
        if (c < DIGIT_0 || c > DIGIT_9) break;
        value = value * 10 + (c - DIGIT_0);
        i++;
      }
    }
    if (i + 1 >= n || chunk[i] !== CR || i - p > 16 || i - p > this.#maxInline) return -1;
    this.#lineOffset = this.#streamOffset + p;
    this.#value = value;
    return i + 2;
  }

  // Finds the end of the line starting at p (Redis: "*N" and "$N" lines end at '\r' plus one
  // more byte it does not check; inline lines end at '\n'). Returns the position after it, or
  // -1 after copying the partial line into #partial.
  #takeLine(chunk: Uint8Array, p: number, terminator: number, tooBig: string): number {
    const n = chunk.length;
    const extra = terminator === CR ? 1 : 0;
    const limit = this.#maxInline;
    const have = this.#partial.length;
    if (have === 0) {
      this.#lineOffset = this.#streamOffset + p;
    } else if (extra === 1 && this.#partial.bytes[have - 1] === CR) {
      // Only the byte after the '\r' was missing.
      this.#setLine(this.#partial.bytes, 0, have - 1);
      this.#partial.length = 0;
      return p + 1;
    }
    const t = chunk.indexOf(terminator, p);
    const complete = t !== -1 && t + extra < n;
    if (have + (t === -1 ? n : t) - p > limit) throw this.#error(tooBig);
    if (complete && have === 0) {
      this.#setLine(chunk, p, t);
      return t + 1 + extra;
    }
    if (!complete) {
      this.#partial.append(chunk, p, n);
      return -1;
    }
    this.#partial.append(chunk, p, t);
    this.#setLine(this.#partial.bytes, 0, this.#partial.length);
    this.#partial.length = 0;
    return t + 1 + extra;
  }

  #setLine(buf: Uint8Array, start: number, end: number): void {
    this.#lineBuf = buf;
    this.#lineStart = start;
    this.#lineEnd = end;
  }

  #checkDollar(): void {
    const start = this.#lineStart;
    // An empty line means Redis looked at the '\r' itself.
    const got = start < this.#lineEnd ? this.#lineBuf[start] : CR;
    if (got !== DOLLAR) {
      throw this.#error(`Protocol error: expected '$', got '${String.fromCharCode(got)}'`);
    }
  }

  #startRequest(count: number): void {
    // Checked in Redis's order, so a client sees the error Redis would give it.
    if (Number.isNaN(count) || count > MAX_INT32) {
      throw this.#error("Protocol error: invalid multibulk length");
    }
    if (count > UNAUTHENTICATED_MAX_ARGS && this.#authRequired?.()) {
      this.#limitHit = "multibulk";
      throw this.#error("Protocol error: unauthenticated multibulk length");
    }
    if (count > this.#maxMultibulk) {
      this.#limitHit = "multibulk";
      throw this.#error("Protocol error: invalid multibulk length");
    }
    if (count <= 0) {
      this.#state = IDLE;
      return;
    }
    // Sized up front like Redis does, but no larger than 1024 for a client that lies.
    this.#args = count <= ARGS_PREALLOCATED ? new Array<Uint8Array>(count) : [];
    this.#argCount = 0;
    this.#argsLeft = count;
    this.#state = BULK_HEADER;
  }

  #startBulk(chunk: Uint8Array, p: number, length: number, out: Uint8Array[][]): number {
    if (Number.isNaN(length) || length < 0 || length > this.#maxBulk) {
      if (length > this.#maxBulk) this.#limitHit = "bulk";
      throw this.#error("Protocol error: invalid bulk length");
    }
    if (length > UNAUTHENTICATED_MAX_BULK && this.#authRequired?.()) {
      this.#limitHit = "bulk";
      throw this.#error("Protocol error: unauthenticated bulk length");
    }
    const available = chunk.length - p;
    if (available >= length) {
      // The data is all here: hand out a view instead of copying.
      const arg = new Uint8Array(chunk.buffer, chunk.byteOffset + p, length);
      if (available >= length + 2) {
        const end = p + length + 2;
        if (chunk[end - 2] !== CR || chunk[end - 1] !== LF) this.#frameStart = -1;
        this.#pushArg(arg, out, chunk, end);
        return end;
      }
      this.#frameStart = -1;
      this.#bulk.hold(arg);
      this.#endLeft = length + 2 - available;
      this.#state = BULK_END;
      return chunk.length;
    }
    this.#frameStart = -1;
    this.#bulk.start(length);
    this.#state = BULK_BODY;
    return p;
  }

  // `end` is where the argument's bytes end in `chunk`.
  #pushArg(arg: Uint8Array, out: Uint8Array[][], chunk: Uint8Array, end: number): void {
    this.#args[this.#argCount++] = arg;
    if (--this.#argsLeft === 0) {
      out.push(this.#args);
      const start = this.#frameStart;
      this.#frames.push(start >= 0 ? chunk.subarray(start, end) : undefined);
      this.#args = NO_ARGS;
      this.#argsBytes = 0;
      this.#state = IDLE;
    } else {
      this.#argsBytes += arg.length;
      this.#state = BULK_HEADER;
    }
  }

  #inline(out: Uint8Array[][]): void {
    const buf = this.#lineBuf;
    const start = this.#lineStart;
    let end = this.#lineEnd;
    if (end > start && buf[end - 1] === CR) end--;
    this.#state = IDLE;
    if (end === start) return;
    const args = splitInlineArgs(buf.subarray(start, end));
    if (args.length === 0) return;
    out.push(args);
    this.#frames.push(undefined);
  }

  #error(message: string): ProtocolError {
    return new ProtocolError(message, this.#lineOffset);
  }
}
