import { asInteger } from "./listpack.ts";
import { lzfCompress } from "./lzf.ts";

/**
 * An append-only byte buffer with the RDB primitives a writer needs: lengths in the 6/14/32/
 * 64-bit forms, strings with Redis's integer and LZF encodings, little-endian times and
 * doubles.
 */
export class ByteBuilder {
  #bytes: Uint8Array;
  #view: DataView;
  length = 0;

  constructor(capacity = 256) {
    this.#bytes = new Uint8Array(capacity);
    this.#view = new DataView(this.#bytes.buffer);
  }

  #reserve(count: number): void {
    if (this.length + count <= this.#bytes.length) return;
    const grown = new Uint8Array(Math.max(this.#bytes.length * 2, this.length + count));
    grown.set(this.#bytes.subarray(0, this.length));
    this.#bytes = grown;
    this.#view = new DataView(grown.buffer);
  }

  /** The bytes written so far (a view; copy it before writing more if you keep it). */
  view(): Uint8Array {
    return this.#bytes.subarray(0, this.length);
  }

  /** The bytes written so far as their own copy, and starts over. */
  take(): Uint8Array {
    const out = this.#bytes.slice(0, this.length);
    this.length = 0;
    return out;
  }

  u8(value: number): this {
    this.#reserve(1);
    this.#bytes[this.length++] = value;
    return this;
  }

  bytes(bytes: Uint8Array): this {
    this.#reserve(bytes.length);
    this.#bytes.set(bytes, this.length);
    this.length += bytes.length;
    return this;
  }

  u32le(value: number): this {
    this.#reserve(4);
    this.#view.setUint32(this.length, value, true);
    this.length += 4;
    return this;
  }

  i64le(value: number): this {
    this.#reserve(8);
    this.#view.setBigInt64(this.length, BigInt(value), true);
    this.length += 8;
    return this;
  }

  u64be(value: bigint): this {
    this.#reserve(8);
    this.#view.setBigUint64(this.length, value, false);
    this.length += 8;
    return this;
  }

  binaryDouble(value: number): this {
    this.#reserve(8);
    this.#view.setFloat64(this.length, value, true);
    this.length += 8;
    return this;
  }

  /** A length in the shortest of the 6-, 14-, 32- and 64-bit forms. */
  rdbLength(value: number | bigint): this {
    const n = typeof value === "bigint" ? value : BigInt(value);
    if (n < 0n) throw new RangeError(`negative RDB length ${n}`);
    if (n < 64n) return this.u8(Number(n));
    if (n < 16384n) return this.u8(0x40 | Number(n >> 8n)).u8(Number(n & 0xffn));
    if (n <= 0xffffffffn) {
      this.u8(0x80);
      this.#reserve(4);
      this.#view.setUint32(this.length, Number(n), false);
      this.length += 4;
      return this;
    }
    return this.u8(0x81).u64be(n);
  }

  /**
   * A string as Redis saves it: short decimal integers that fit in 32 bits use the integer
   * encodings; strings over 20 bytes are LZF-compressed when `compress` is set and it saves
   * more than 4 bytes.
   */
  rdbString(text: Uint8Array, compress = true): this {
    if (text.length <= 11) {
      const integer = asInteger(text);
      if (integer !== undefined && integer >= -(2n ** 31n) && integer < 2n ** 31n) {
        return this.#integerString(Number(integer));
      }
    }
    if (compress && text.length > 20) {
      const compressed = lzfCompress(text);
      if (compressed && compressed.length < text.length - 4) {
        return this.u8(0xc3).rdbLength(compressed.length).rdbLength(text.length).bytes(compressed);
      }
    }
    return this.rdbLength(text.length).bytes(text);
  }

  #integerString(value: number): this {
    if (value >= -128 && value < 128) return this.u8(0xc0).u8(value & 0xff);
    if (value >= -32768 && value < 32768) {
      return this.u8(0xc1).u8(value & 0xff).u8((value >> 8) & 0xff);
    }
    this.u8(0xc2);
    this.#reserve(4);
    this.#view.setInt32(this.length, value, true);
    this.length += 4;
    return this;
  }
}
