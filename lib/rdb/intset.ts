import { EncodingError } from "./encoding_error.ts";

/**
 * Intset, the sorted integer array of small all-integer sets (RDB type 11): a 4-byte element
 * width (2, 4 or 8), a 4-byte count, then the little-endian integers.
 */
export function decodeIntset(bytes: Uint8Array): bigint[] {
  if (bytes.length < 8) throw new EncodingError("intset shorter than its header", 0);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const width = view.getUint32(0, true);
  const count = view.getUint32(4, true);
  if (width !== 2 && width !== 4 && width !== 8) {
    throw new EncodingError(`invalid intset width ${width}`, 0);
  }
  if (8 + count * width !== bytes.length) {
    throw new EncodingError(`intset of ${count} x ${width} bytes in ${bytes.length} bytes`, 4);
  }
  const members: bigint[] = [];
  for (let p = 8; p < bytes.length; p += width) {
    if (width === 2) members.push(BigInt(view.getInt16(p, true)));
    else if (width === 4) members.push(BigInt(view.getInt32(p, true)));
    else members.push(view.getBigInt64(p, true));
  }
  return members;
}
