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

/**
 * Key bytes for a terminal: as they are when printable ASCII, otherwise quoted the way
 * redis-cli shows them, with `\xHH` for other bytes (so `keys` output stays one line per key).
 */
export function printableKey(bytes: Uint8Array): string {
  if (bytes.length > 0 && bytes.every((b) => b > 0x20 && b < 0x7f && b !== 0x22 && b !== 0x5c)) {
    return String.fromCharCode(...bytes);
  }
  let out = '"';
  for (const b of bytes) {
    if (b === 0x22 || b === 0x5c) out += `\\${String.fromCharCode(b)}`;
    else if (b >= 0x20 && b < 0x7f) out += String.fromCharCode(b);
    else out += `\\x${b.toString(16).padStart(2, "0")}`;
  }
  return `${out}"`;
}
