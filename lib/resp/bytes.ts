// Small byte helpers shared by the decoder, the scanner and the encoder.

export const CR = 13;
export const LF = 10;

/** Index of the "\r\n" starting at or after `from` and before `end`, or -1. */
export function findCrlf(buf: Uint8Array, from: number, end: number): number {
  let i = from;
  while (i < end) {
    const cr = buf.indexOf(CR, i);
    if (cr < 0 || cr + 1 >= end) return -1;
    if (buf[cr + 1] === LF) return cr;
    i = cr + 1;
  }
  return -1;
}

/**
 * Parses a decimal integer (optional leading '-') from `buf[start, end)` without allocating.
 * Returns NaN when the bytes are not an integer or do not fit a safe integer.
 */
export function parseInteger(buf: Uint8Array, start: number, end: number): number {
  if (start >= end) return NaN;
  let i = start;
  let negative = false;
  if (buf[i] === 45) {
    negative = true;
    i++;
    if (i === end) return NaN;
  }
  let value = 0;
  for (; i < end; i++) {
    const digit = buf[i] - 48;
    if (digit < 0 || digit > 9) return NaN;
    value = value * 10 + digit;
  }
  if (!Number.isSafeInteger(value)) return NaN;
  return negative ? -value : value;
}

/** Joins byte arrays with one allocation. */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let total = 0;
  for (const part of parts) total += part.length;
  const out = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
