// windows-1252 as decoded by WHATWG TextDecoder maps each byte to a distinct code point, so the
// result is a lossless, binary-safe Map key for arbitrary key bytes.
const decoder = new TextDecoder("windows-1252");

/** A string that identifies `key` in database `db`, usable as a Map key. */
export function keyString(db: number, key: Uint8Array): string {
  return `${db}\u0000${decoder.decode(key)}`;
}

/** The distinct keys among `keys`, each at its first occurrence. */
export function distinctKeys(keys: readonly Uint8Array[]): Uint8Array[] {
  if (keys.length <= 1) return [...keys];
  const seen = new Set<string>();
  return keys.filter((key) => {
    const name = keyString(0, key);
    if (seen.has(name)) return false;
    seen.add(name);
    return true;
  });
}

const textDecoder = new TextDecoder();

/** Bytes as UTF-8 text, for messages and command names; invalid sequences become U+FFFD. */
export function bytesToText(bytes: Uint8Array): string {
  return textDecoder.decode(bytes);
}
