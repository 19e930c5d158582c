/**
 * LZF, the compression Redis applies to RDB strings longer than 20 bytes. The format: a
 * control byte below 32 starts a run of `ctrl + 1` literal bytes; otherwise its top three bits
 * are a match length (7 means "add the next byte") and its low five bits with the next byte are
 * a back-reference distance of up to 8 KB.
 */

const MAX_LITERAL = 32;
const MAX_DISTANCE = 1 << 13;
const MAX_MATCH = 7 + 255 + 2;
const HASH_BITS = 14;

/** What went wrong inside an LZF block; the caller adds where the block sits in the file. */
export class LzfError extends RangeError {
  override name = "LzfError";
}

/**
 * Expands `input` into exactly `outputLength` bytes; throws {@link LzfError} when the data
 * does not decode to that length or refers back past the start.
 */
export function lzfDecompress(input: Uint8Array, outputLength: number): Uint8Array {
  const output = new Uint8Array(outputLength);
  let ip = 0;
  let op = 0;
  while (ip < input.length) {
    const ctrl = input[ip++];
    if (ctrl < 32) {
      const length = ctrl + 1;
      if (op + length > outputLength) throw new LzfError("literal run overflows the output");
      if (ip + length > input.length) throw new LzfError("literal run overflows the input");
      output.set(input.subarray(ip, ip + length), op);
      ip += length;
      op += length;
      continue;
    }
    let length = ctrl >> 5;
    if (length === 7) {
      if (ip >= input.length) throw new LzfError("match length is cut off");
      length += input[ip++];
    }
    if (ip >= input.length) throw new LzfError("match distance is cut off");
    let ref = op - ((ctrl & 0x1f) << 8) - 1 - input[ip++];
    length += 2;
    if (ref < 0) throw new LzfError("back-reference before the start of the output");
    if (op + length > outputLength) throw new LzfError("match overflows the output");
    // Byte by byte: a match may overlap the bytes it produces.
    const end = op + length;
    while (op < end) output[op++] = output[ref++];
  }
  if (op !== outputLength) {
    throw new LzfError(`decompressed to ${op} bytes, expected ${outputLength}`);
  }
  return output;
}

/**
 * Compresses `input`, or returns undefined when the result would not be smaller (Redis then
 * stores the string as it is).
 */
export function lzfCompress(input: Uint8Array): Uint8Array | undefined {
  const n = input.length;
  if (n < 4) return undefined;
  const output = new Uint8Array(n + Math.ceil(n / MAX_LITERAL) + 1);
  const table = new Int32Array(1 << HASH_BITS).fill(-1);
  let op = 0;
  let literalStart = 0;
  let ip = 0;

  const flushLiterals = (end: number): boolean => {
    for (let start = literalStart; start < end; start += MAX_LITERAL) {
      const length = Math.min(MAX_LITERAL, end - start);
      if (op + 1 + length >= n) return false;
      output[op++] = length - 1;
      output.set(input.subarray(start, start + length), op);
      op += length;
    }
    return true;
  };

  while (ip + 2 < n) {
    const hash = (((input[ip] << 16) | (input[ip + 1] << 8) | input[ip + 2]) * 2654435761) >>>
      (32 - HASH_BITS);
    const ref = table[hash];
    table[hash] = ip;
    const distance = ip - ref - 1;
    if (
      ref >= 0 && distance < MAX_DISTANCE && input[ref] === input[ip] &&
      input[ref + 1] === input[ip + 1] && input[ref + 2] === input[ip + 2]
    ) {
      if (!flushLiterals(ip)) return undefined;
      const maxLength = Math.min(MAX_MATCH, n - ip);
      let length = 3;
      while (length < maxLength && input[ref + length] === input[ip + length]) length++;
      const coded = length - 2;
      if (op + 3 >= n) return undefined;
      if (coded < 7) {
        output[op++] = (coded << 5) | (distance >> 8);
      } else {
        output[op++] = (7 << 5) | (distance >> 8);
        output[op++] = coded - 7;
      }
      output[op++] = distance & 0xff;
      ip += length;
      literalStart = ip;
    } else {
      ip++;
    }
  }
  if (!flushLiterals(n)) return undefined;
  return output.slice(0, op);
}
