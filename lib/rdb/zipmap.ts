import { EncodingError } from "./encoding_error.ts";

/**
 * Zipmap, the small-hash encoding of Redis before 2.6 (RDB type 9): a count byte, then for
 * each pair a key length, key, value length, a "free" byte, value and that many unused bytes;
 * 0xFF ends it. Lengths are one byte, or 254 followed by four little-endian bytes.
 */
export function decodeZipmap(bytes: Uint8Array): Uint8Array[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const pairs: Uint8Array[] = [];
  let p = 1;
  const need = (count: number) => {
    if (p + count > bytes.length) throw new EncodingError("zipmap entry overruns", p);
  };
  const length = (): number => {
    need(1);
    const first = bytes[p++];
    if (first < 254) return first;
    if (first === 254) {
      need(4);
      const value = view.getUint32(p, true);
      p += 4;
      return value;
    }
    throw new EncodingError("zipmap ends inside a pair", p - 1);
  };
  while (true) {
    need(1);
    if (bytes[p] === 0xff) break;
    const keyLength = length();
    need(keyLength);
    pairs.push(bytes.subarray(p, p + keyLength));
    p += keyLength;
    const valueLength = length();
    need(1);
    const free = bytes[p++];
    need(valueLength + free);
    pairs.push(bytes.subarray(p, p + valueLength));
    p += valueLength + free;
  }
  if (p !== bytes.length - 1) throw new EncodingError("bytes after the zipmap end", p);
  return pairs;
}
