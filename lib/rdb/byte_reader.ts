import { lzfDecompress, LzfError } from "./lzf.ts";
import { RdbSyntaxError } from "./rdb_syntax_error.ts";

/**
 * Thrown by a {@link ByteReader} over a partial buffer when a read runs past the bytes it has.
 * The streaming parser catches it, reads more input and parses the record again from its start.
 */
export class NeedMoreInput extends RangeError {
  override name = "NeedMoreInput";
  constructor() {
    super("more input is needed");
  }
}

const NEED_MORE = new NeedMoreInput();

/** LZF cannot expand data more than about 88 times; a larger claim is corruption. */
const MAX_LZF_RATIO = 100;

/**
 * Sequential reads of RDB primitives (lengths, strings, times, doubles) from one buffer. Offsets
 * in errors are absolute: `base` is the offset of `bytes[0]` in the whole input. When `final`
 * is false the buffer may be followed by more input, and running out throws
 * {@link NeedMoreInput}; when true, running out is a truncated file.
 */
export class ByteReader {
  /** Set by {@link lengthOrEncoding}: the length byte announced a special string encoding. */
  encoded = false;

  constructor(
    readonly bytes: Uint8Array,
    public pos = 0,
    readonly end = bytes.length,
    readonly base = 0,
    readonly final = true,
  ) {}

  /** Absolute offset of the next byte. */
  get offset(): number {
    return this.base + this.pos;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  /** Throws an {@link RdbSyntaxError} about the byte at `at` (default: the next one). */
  fail(problem: string, at = this.pos): never {
    throw new RdbSyntaxError(problem, this.base + at);
  }

  #need(count: number, what: string): void {
    if (this.end - this.pos >= count) return;
    if (!this.final) throw NEED_MORE;
    this.fail(`unexpected end of input reading ${what}`);
  }

  u8(what = "a byte"): number {
    this.#need(1, what);
    return this.bytes[this.pos++];
  }

  /** The next `count` bytes, without copying. */
  take(count: number, what: string): Uint8Array {
    this.#need(count, what);
    const start = this.pos;
    this.pos += count;
    return this.bytes.subarray(start, this.pos);
  }

  skip(count: number, what: string): void {
    this.#need(count, what);
    this.pos += count;
  }

  u32le(what: string): number {
    this.#need(4, what);
    const b = this.bytes;
    const p = this.pos;
    this.pos += 4;
    return (b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) | (b[p + 3] << 24)) >>> 0;
  }

  /** A signed 64-bit little-endian integer (millisecond times), as a number. */
  i64le(what: string): number {
    const low = this.u32le(what);
    const high = this.u32le(what) | 0;
    return high * 0x1_0000_0000 + low;
  }

  binaryDouble(what = "a binary double"): number {
    const bytes = this.take(8, what);
    return new DataView(bytes.buffer, bytes.byteOffset, 8).getFloat64(0, true);
  }

  binaryFloat(what = "a binary float"): number {
    const bytes = this.take(4, what);
    return new DataView(bytes.buffer, bytes.byteOffset, 4).getFloat32(0, true);
  }

  /** The text form of a double used by the oldest sorted set type: a length byte and ASCII. */
  textDouble(what = "a sorted set score"): number {
    const length = this.u8(what);
    if (length === 253) return NaN;
    if (length === 254) return Infinity;
    if (length === 255) return -Infinity;
    const at = this.pos;
    const text = String.fromCharCode(...this.take(length, what));
    const value = Number(text);
    if (Number.isNaN(value) && text !== "nan") {
      this.fail(`invalid score ${JSON.stringify(text)}`, at);
    }
    return value;
  }

  /**
   * A length, or when {@link encoded} is set afterwards, the code of a special string encoding
   * (0-2 integers, 3 LZF).
   */
  lengthOrEncoding(what: string): number {
    const first = this.u8(what);
    const kind = first >> 6;
    this.encoded = false;
    if (kind === 0) return first & 0x3f;
    if (kind === 1) return ((first & 0x3f) << 8) | this.u8(what);
    if (kind === 3) {
      this.encoded = true;
      return first & 0x3f;
    }
    if (first === 0x80) {
      this.#need(4, what);
      const b = this.bytes;
      const p = this.pos;
      this.pos += 4;
      return ((b[p] << 24) | (b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3]) >>> 0;
    }
    if (first === 0x81) {
      const at = this.pos - 1;
      const value = this.#u64be(what);
      if (value > BigInt(Number.MAX_SAFE_INTEGER)) this.fail(`length ${value} is too large`, at);
      return Number(value);
    }
    return this.fail(`invalid length byte 0x${first.toString(16)} in ${what}`, this.pos - 1);
  }

  /** A plain length (an encoded-string marker here is corruption). */
  length(what: string): number {
    const at = this.pos;
    const value = this.lengthOrEncoding(what);
    if (this.encoded) this.fail(`string encoding marker where ${what} was expected`, at);
    return value;
  }

  /** A length that may use all 64 bits (stream IDs). */
  lengthBig(what: string): bigint {
    const first = this.u8(what);
    if (first === 0x81) return this.#u64be(what);
    this.pos--;
    return BigInt(this.length(what));
  }

  #u64be(what: string): bigint {
    const bytes = this.take(8, what);
    const view = new DataView(bytes.buffer, bytes.byteOffset, 8);
    return view.getBigUint64(0, false);
  }

  /** A string in any encoding, decoded: integers become their decimal text, LZF is expanded. */
  string(what = "a string"): Uint8Array {
    const at = this.pos;
    const length = this.lengthOrEncoding(what);
    if (!this.encoded) return this.#body(length, what, at);
    switch (length) {
      case 0:
        return asciiInteger(this.#signed(1, what));
      case 1:
        return asciiInteger(this.#signed(2, what));
      case 2:
        return asciiInteger(this.#signed(4, what));
      case 3:
        return this.#lzf(what, at);
      default:
        return this.fail(`unknown string encoding ${length} in ${what}`, at);
    }
  }

  /** Steps over a string in any encoding without decoding it. */
  skipString(what = "a string"): void {
    const at = this.pos;
    const length = this.lengthOrEncoding(what);
    if (!this.encoded) {
      this.#body(length, what, at);
      return;
    }
    if (length <= 2) {
      this.skip(1 << length, what);
    } else if (length === 3) {
      const compressed = this.length(what);
      this.length(what);
      this.skip(compressed, what);
    } else {
      this.fail(`unknown string encoding ${length} in ${what}`, at);
    }
  }

  #body(length: number, what: string, at: number): Uint8Array {
    if (this.final && length > this.end - this.pos) {
      this.fail(`${what} of ${length} bytes exceeds the ${this.end - this.pos} that remain`, at);
    }
    return this.take(length, what);
  }

  #signed(width: number, what: string): number {
    const b = this.take(width, what);
    if (width === 1) return (b[0] << 24) >> 24;
    if (width === 2) return ((b[0] | (b[1] << 8)) << 16) >> 16;
    return b[0] | (b[1] << 8) | (b[2] << 16) | (b[3] << 24);
  }

  #lzf(what: string, at: number): Uint8Array {
    const compressedLength = this.length(what);
    const length = this.length(what);
    if (length > compressedLength * MAX_LZF_RATIO + 64) {
      this.fail(`compressed ${what} claims ${length} bytes from ${compressedLength}`, at);
    }
    const compressed = this.#body(compressedLength, what, at);
    try {
      return lzfDecompress(compressed, length);
    } catch (error) {
      if (error instanceof LzfError) this.fail(`corrupt LZF data in ${what}: ${error.message}`, at);
      throw error;
    }
  }
}

const encoder = new TextEncoder();

function asciiInteger(value: number): Uint8Array {
  return encoder.encode(String(value));
}
