import { EncodingError } from "./encoding_error.ts";

/**
 * Listpack, the compact sequence Redis 7 uses for small hashes, sets, sorted sets, list nodes
 * and stream nodes: a 4-byte total size, a 2-byte count, the entries, and 0xFF. Each entry is
 * an encoding byte (integers of 7 to 64 bits, or strings with 6-, 12- or 32-bit lengths), its
 * data, and a "backlen" of 1-5 bytes so it can be walked backwards.
 */

/** A listpack element: a string, or an integer (bigint so 64-bit values stay exact). */
export type ListpackElement = Uint8Array | bigint;

const END = 0xff;

function backlenSize(entryLength: number): number {
  if (entryLength < 128) return 1;
  if (entryLength < 16383) return 2;
  if (entryLength < 2097151) return 3;
  if (entryLength < 268435455) return 4;
  return 5;
}

/** Decodes every element; throws {@link EncodingError} on any inconsistency. */
export function decodeListpack(bytes: Uint8Array): ListpackElement[] {
  if (bytes.length < 7) throw new EncodingError("listpack shorter than its header", 0);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const total = view.getUint32(0, true);
  if (total !== bytes.length) {
    throw new EncodingError(`listpack header says ${total} bytes, blob has ${bytes.length}`, 0);
  }
  const elements: ListpackElement[] = [];
  let p = 6;
  const need = (count: number) => {
    if (p + count > bytes.length - 1) throw new EncodingError("listpack entry overruns", p);
  };
  while (true) {
    if (p >= bytes.length) throw new EncodingError("listpack lacks its end byte", p);
    const start = p;
    const first = bytes[p];
    if (first === END) break;
    let element: ListpackElement;
    if (first < 0x80) {
      element = BigInt(first);
      p += 1;
    } else if ((first & 0xc0) === 0x80) {
      const length = first & 0x3f;
      need(1 + length);
      element = bytes.subarray(p + 1, p + 1 + length);
      p += 1 + length;
    } else if ((first & 0xe0) === 0xc0) {
      need(2);
      const raw = ((first & 0x1f) << 8) | bytes[p + 1];
      element = BigInt(raw >= 4096 ? raw - 8192 : raw);
      p += 2;
    } else if ((first & 0xf0) === 0xe0) {
      need(2);
      const length = ((first & 0x0f) << 8) | bytes[p + 1];
      need(2 + length);
      element = bytes.subarray(p + 2, p + 2 + length);
      p += 2 + length;
    } else if (first === 0xf0) {
      need(5);
      const length = view.getUint32(p + 1, true);
      need(5 + length);
      element = bytes.subarray(p + 5, p + 5 + length);
      p += 5 + length;
    } else if (first >= 0xf1 && first <= 0xf4) {
      const width = [2, 3, 4, 8][first - 0xf1];
      need(1 + width);
      element = readSignedLE(view, p + 1, width);
      p += 1 + width;
    } else {
      throw new EncodingError(`invalid listpack encoding byte 0x${first.toString(16)}`, p);
    }
    const entryLength = p - start;
    const size = backlenSize(entryLength);
    need(size);
    p += size;
    elements.push(element);
  }
  if (p !== bytes.length - 1) throw new EncodingError("bytes after the listpack end", p);
  const count = view.getUint16(4, true);
  if (count !== 65535 && count !== elements.length) {
    throw new EncodingError(`listpack header says ${count} elements, found ${elements.length}`, 4);
  }
  return elements;
}

function readSignedLE(view: DataView, at: number, width: number): bigint {
  if (width === 8) return view.getBigInt64(at, true);
  let value = 0;
  for (let i = width - 1; i >= 0; i--) value = value * 256 + view.getUint8(at + i);
  const bits = width * 8;
  return BigInt(value >= 2 ** (bits - 1) ? value - 2 ** bits : value);
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const CANONICAL_INTEGER = /^(0|-?[1-9][0-9]{0,18})$/;

/** Whether Redis would store this string as an integer (canonical decimal, fits in 64 bits). */
export function asInteger(text: Uint8Array): bigint | undefined {
  if (text.length === 0 || text.length > 20) return undefined;
  const s = String.fromCharCode(...text);
  if (!CANONICAL_INTEGER.test(s)) return undefined;
  const value = BigInt(s);
  return value >= INT64_MIN && value <= INT64_MAX ? value : undefined;
}

function encodeInteger(value: bigint, out: number[]): void {
  if (value >= 0n && value < 128n) {
    out.push(Number(value));
    return;
  }
  if (value >= -4096n && value < 4096n) {
    const raw = Number(value < 0n ? value + 8192n : value);
    out.push(0xc0 | (raw >> 8), raw & 0xff);
    return;
  }
  const widths: [number, number][] = [[2, 0xf1], [3, 0xf2], [4, 0xf3], [8, 0xf4]];
  for (const [width, code] of widths) {
    const limit = 1n << BigInt(width * 8 - 1);
    if (value >= -limit && value < limit) {
      let raw = value < 0n ? value + (limit << 1n) : value;
      out.push(code);
      for (let i = 0; i < width; i++) {
        out.push(Number(raw & 0xffn));
        raw >>= 8n;
      }
      return;
    }
  }
  throw new RangeError(`integer ${value} does not fit in 64 bits`);
}

function encodeString(text: Uint8Array, out: number[]): void {
  const n = text.length;
  if (n < 64) out.push(0x80 | n);
  else if (n < 4096) out.push(0xe0 | (n >> 8), n & 0xff);
  else out.push(0xf0, n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, (n >>> 24) & 0xff);
  for (const byte of text) out.push(byte);
}

function encodeBacklen(entryLength: number, out: number[]): void {
  const size = backlenSize(entryLength);
  // Stored so it reads backwards: the first byte holds the highest 7 bits, every later byte
  // has its top bit set.
  const groups: number[] = [];
  let rest = entryLength;
  for (let i = 0; i < size; i++) {
    groups.push(rest & 0x7f);
    rest = Math.floor(rest / 128);
  }
  for (let i = size - 1; i >= 0; i--) out.push(groups[i] | (i < size - 1 ? 0x80 : 0));
}

/**
 * Encodes elements as a listpack, storing strings that look like integers as integers, as
 * Redis does.
 */
export function encodeListpack(elements: readonly ListpackElement[]): Uint8Array {
  const out: number[] = [0, 0, 0, 0, 0, 0];
  for (const element of elements) {
    const start = out.length;
    const integer = typeof element === "bigint" ? element : asInteger(element);
    if (integer !== undefined) encodeInteger(integer, out);
    else encodeString(element as Uint8Array, out);
    encodeBacklen(out.length - start, out);
  }
  out.push(END);
  const bytes = Uint8Array.from(out);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, bytes.length, true);
  view.setUint16(4, Math.min(elements.length, 65535), true);
  return bytes;
}
