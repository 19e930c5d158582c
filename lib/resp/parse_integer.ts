const MINUS = 45;
const ZERO = 48;
const NINE = 57;
// string2ll rejects anything of LONG_STR_SIZE (21) bytes or more.
const MAX_INTEGER_TEXT = 20;
const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;

/**
 * Parses a signed 64-bit decimal integer from `buf[start, end)` with the exact rules of Redis's
 * `string2ll`: optional `-`, no `+`, no spaces, no leading zeros, no `-0`, fits in int64.
 * Reading the bytes in place keeps header parsing free of string allocation.
 *
 * @returns the value, or `NaN` when Redis would reject the text. Values beyond 2^53 are
 * rounded to the nearest double; only the validity check is exact for them.
 */
export function parseInteger(buf: Uint8Array, start: number, end: number): number {
  const length = end - start;
  if (length <= 0 || length > MAX_INTEGER_TEXT) return NaN;
  let i = start;
  const negative = buf[i] === MINUS;
  if (negative) {
    i++;
    if (i === end) return NaN;
  }
  let c = buf[i];
  if (c === ZERO) return length === 1 ? 0 : NaN;
  if (c < ZERO || c > NINE) return NaN;
  let value = c - ZERO;
  for (i++; i < end; i++) {
    c = buf[i];
    if (c < ZERO || c > NINE) return NaN;
    value = value * 10 + (c - ZERO);
  }
  if (value > Number.MAX_SAFE_INTEGER) return bigValue(buf, start, end);
  return negative ? -value : value;
}

// Rare path: only numbers of 16+ digits get here, so the BigInt allocation does not matter.
function bigValue(buf: Uint8Array, start: number, end: number): number {
  let text = "";
  for (let i = start; i < end; i++) text += String.fromCharCode(buf[i]);
  const big = BigInt(text);
  return big >= INT64_MIN && big <= INT64_MAX ? Number(big) : NaN;
}
