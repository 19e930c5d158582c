import { EncodingError } from "./encoding_error.ts";

/**
 * Ziplist, the compact sequence of Redis 2.6 to 6.2 (RDB types 10, 12, 13 and the nodes of
 * type 14 quicklists): 4-byte total size, 4-byte tail offset, 2-byte count, entries, 0xFF.
 * Each entry is the previous entry's length (1 or 5 bytes), an encoding, and its data.
 * Integers are returned as their decimal text, which is what the value holds.
 */
export function decodeZiplist(bytes: Uint8Array): Uint8Array[] {
  if (bytes.length < 11) throw new EncodingError("ziplist shorter than its header", 0);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const total = view.getUint32(0, true);
  if (total !== bytes.length) {
    throw new EncodingError(`ziplist header says ${total} bytes, blob has ${bytes.length}`, 0);
  }
  const elements: Uint8Array[] = [];
  let p = 10;
  const need = (count: number) => {
    if (p + count > bytes.length - 1) throw new EncodingError("ziplist entry overruns", p);
  };
  while (true) {
    if (p >= bytes.length) throw new EncodingError("ziplist lacks its end byte", p);
    if (bytes[p] === 0xff) break;
    need(1);
    p += bytes[p] === 0xfe ? 5 : 1;
    need(1);
    const encoding = bytes[p];
    const kind = encoding >> 6;
    if (kind === 0) {
      const length = encoding & 0x3f;
      need(1 + length);
      elements.push(bytes.subarray(p + 1, p + 1 + length));
      p += 1 + length;
    } else if (kind === 1) {
      need(2);
      const length = ((encoding & 0x3f) << 8) | bytes[p + 1];
      need(2 + length);
      elements.push(bytes.subarray(p + 2, p + 2 + length));
      p += 2 + length;
    } else if (kind === 2) {
      need(5);
      const length = view.getUint32(p + 1, false);
      need(5 + length);
      elements.push(bytes.subarray(p + 5, p + 5 + length));
      p += 5 + length;
    } else {
      const [value, width] = ziplistInteger(view, p, encoding);
      need(1 + width);
      elements.push(new TextEncoder().encode(String(value)));
      p += 1 + width;
    }
  }
  if (p !== bytes.length - 1) throw new EncodingError("bytes after the ziplist end", p);
  const count = view.getUint16(8, true);
  if (count !== 65535 && count !== elements.length) {
    throw new EncodingError(`ziplist header says ${count} entries, found ${elements.length}`, 8);
  }
  return elements;
}

function ziplistInteger(view: DataView, p: number, encoding: number): [bigint | number, number] {
  const available = view.byteLength - 1 - (p + 1);
  const check = (width: number) => {
    if (width > available) throw new EncodingError("ziplist integer overruns", p);
  };
  switch (encoding) {
    case 0xc0:
      check(2);
      return [view.getInt16(p + 1, true), 2];
    case 0xd0:
      check(4);
      return [view.getInt32(p + 1, true), 4];
    case 0xe0:
      check(8);
      return [view.getBigInt64(p + 1, true), 8];
    case 0xf0: {
      check(3);
      const raw = view.getUint8(p + 1) | (view.getUint8(p + 2) << 8) | (view.getUint8(p + 3) << 16);
      return [(raw << 8) >> 8, 3];
    }
    case 0xfe:
      check(1);
      return [view.getInt8(p + 1), 1];
    default:
      if (encoding >= 0xf1 && encoding <= 0xfd) return [(encoding & 0x0f) - 1, 0];
      throw new EncodingError(`invalid ziplist encoding byte 0x${encoding.toString(16)}`, p);
  }
}
