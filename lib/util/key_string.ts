// windows-1252 as decoded by WHATWG TextDecoder maps each byte to a distinct code point, so the
// result is a lossless, binary-safe Map key for arbitrary key bytes.
const decoder = new TextDecoder("windows-1252");

/** A string that identifies `key` in database `db`, usable as a Map key. */
export function keyString(db: number, key: Uint8Array): string {
  return `${db}\u0000${decoder.decode(key)}`;
}

const textDecoder = new TextDecoder();

/** Bytes as UTF-8 text, for messages and command names; invalid sequences become U+FFFD. */
export function bytesToText(bytes: Uint8Array): string {
  return textDecoder.decode(bytes);
}
