import { findCrlf, LF, parseInteger } from "./bytes.ts";
import { splitInlineArgs } from "./inline_args.ts";
import { ProtocolError } from "./protocol_error.ts";

/** Limits on what one client request may hold, with Redis's defaults. */
export interface RequestLimits {
  /** Largest bulk argument (Redis `proto-max-bulk-len`, 512 MiB). */
  maxBulkLength?: number;
  /** Most arguments in one request (Redis: 1024 * 1024). */
  maxMultibulkLength?: number;
  /** Longest inline command line (Redis: 64 KiB). */
  maxInlineLength?: number;
}

const EMPTY = new Uint8Array(0);
// Header lines ("*3", "$5") longer than this are garbage, as in Redis.
const MAX_HEADER_LINE = 64 * 1024;
// Bulks at least this big are filled in place as chunks arrive instead of re-buffered.
const LARGE_BULK = 32 * 1024;

/**
 * Decodes client requests: RESP2 multibulk (`*2\r\n$3\r\nGET\r\n$1\r\nk\r\n`) and inline
 * commands (`GET k\r\n`), fed in chunks split anywhere.
 *
 * @example
 * ```ts
 * const decoder = new RequestDecoder();
 * const commands = decoder.push(new TextEncoder().encode("*1\r\n$4\r\nPING\r\nECHO hi\r\n"));
 * console.assert(commands.length === 2);
 * ```
 */
export class RequestDecoder {
  #maxBulk: number;
  #maxMultibulk: number;
  #maxInline: number;
  #leftover: Uint8Array = EMPTY;
  #args: Uint8Array[] | undefined;
  #remaining = 0;
  #bulk: Uint8Array | undefined;
  #bulkFilled = 0;
  #skip = 0;
  #consumed = 0;

  constructor(limits: RequestLimits = {}) {
    this.#maxBulk = limits.maxBulkLength ?? 512 * 1024 * 1024;
    this.#maxMultibulk = limits.maxMultibulkLength ?? 1024 * 1024;
    this.#maxInline = limits.maxInlineLength ?? 64 * 1024;
  }

  /** Bytes held for a request that is not complete yet. */
  get bufferedBytes(): number {
    return this.#leftover.length + this.#bulkFilled;
  }

  /**
   * Feeds bytes; returns the requests they complete, each an array of arguments.
   * Throws {@linkcode ProtocolError} on malformed input (the connection must then close).
   * The returned arrays may share memory with `chunk`; do not reuse `chunk` afterwards.
   */
  push(chunk: Uint8Array): Uint8Array[][] {
    const out: Uint8Array[][] = [];
    let data = chunk;
    if (this.#leftover.length > 0) {
      data = new Uint8Array(this.#leftover.length + chunk.length);
      data.set(this.#leftover);
      data.set(chunk, this.#leftover.length);
      this.#leftover = EMPTY;
    }
    const end = data.length;
    let pos = 0;
    while (true) {
      if (this.#bulk) {
        const take = Math.min(this.#bulk.length - this.#bulkFilled, end - pos);
        this.#bulk.set(data.subarray(pos, pos + take), this.#bulkFilled);
        this.#bulkFilled += take;
        pos += take;
        if (this.#bulkFilled < this.#bulk.length) break;
        this.#args!.push(this.#bulk);
        this.#remaining--;
        this.#bulk = undefined;
        this.#bulkFilled = 0;
        this.#skip = 2;
      }
      if (this.#skip > 0) {
        const take = Math.min(this.#skip, end - pos);
        pos += take;
        this.#skip -= take;
        if (this.#skip > 0) break;
      }
      if (this.#args && this.#remaining === 0) {
        out.push(this.#args);
        this.#args = undefined;
      }
      if (pos >= end) break;
      if (!this.#args) {
        if (data[pos] === 42) {
          const crlf = findCrlf(data, pos + 1, end);
          if (crlf < 0) {
            if (end - pos > MAX_HEADER_LINE) {
              throw this.#error("Protocol error: too big mbulk count string", pos);
            }
            break;
          }
          const count = parseInteger(data, pos + 1, crlf);
          if (Number.isNaN(count) || count > this.#maxMultibulk) {
            throw this.#error("Protocol error: invalid multibulk length", pos);
          }
          pos = crlf + 2;
          if (count > 0) {
            this.#args = [];
            this.#remaining = count;
          }
          continue;
        }
        const newline = data.indexOf(LF, pos);
        if (newline < 0) {
          if (end - pos > this.#maxInline) {
            throw this.#error("Protocol error: too big inline request", pos);
          }
          break;
        }
        const lineEnd = newline > pos && data[newline - 1] === 13 ? newline - 1 : newline;
        const args = splitInlineArgs(data.subarray(pos, lineEnd));
        pos = newline + 1;
        if (args.length > 0) out.push(args);
        continue;
      }
      // Inside a multibulk: the next bulk header.
      const headerStart = pos;
      const crlf = findCrlf(data, pos, end);
      if (crlf < 0) {
        if (end - pos > MAX_HEADER_LINE) {
          throw this.#error("Protocol error: too big bulk count string", pos);
        }
        break;
      }
      if (data[pos] !== 36) {
        const got = String.fromCharCode(data[pos]);
        throw this.#error(`Protocol error: expected '$', got '${got}'`, pos);
      }
      const length = parseInteger(data, pos + 1, crlf);
      if (Number.isNaN(length) || length < 0 || length > this.#maxBulk) {
        throw this.#error("Protocol error: invalid bulk length", pos);
      }
      pos = crlf + 2;
      if (end - pos >= length + 2) {
        this.#args.push(data.subarray(pos, pos + length));
        this.#remaining--;
        pos += length + 2;
      } else if (length >= LARGE_BULK) {
        this.#bulk = new Uint8Array(length);
        this.#bulkFilled = 0;
      } else {
        pos = headerStart;
        break;
      }
    }
    if (pos < end) this.#leftover = data.subarray(pos);
    this.#consumed += pos;
    return out;
  }

  #error(message: string, pos: number): ProtocolError {
    return new ProtocolError(message, this.#consumed + pos);
  }
}
