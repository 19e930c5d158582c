/**
 * A small seeded PRNG and a byte mutator. Every case of a fuzz run draws from its own generator,
 * seeded from (run seed, case number), so any case can be regenerated on its own: a worker
 * killed in the middle of a case still leaves enough to write that case's input.
 *
 * @module
 */

/** sfc32: fast, 128 bits of state, good enough statistics for picking mutations. */
export class Prng {
  #a: number;
  #b: number;
  #c: number;
  #d: number;

  constructor(seed: number, stream = 0) {
    this.#a = 0x9e3779b9;
    this.#b = seed >>> 0;
    this.#c = stream >>> 0;
    this.#d = 1;
    for (let i = 0; i < 12; i++) this.u32();
  }

  /** A generator for case `index` of the run with `seed`. */
  static forCase(seed: number, index: number): Prng {
    return new Prng(seed, Math.imul(index, 0x85ebca6b) ^ (index >>> 16));
  }

  /** A generator seeded from the bytes themselves: what a replayed input needs for its choices. */
  static fromBytes(bytes: Uint8Array): Prng {
    let h = 0x811c9dc5;
    for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i], 0x01000193);
    return new Prng(h, bytes.length);
  }

  u32(): number {
    const t = (((this.#a + this.#b) >>> 0) + this.#d) >>> 0;
    this.#d = (this.#d + 1) >>> 0;
    this.#a = this.#b ^ (this.#b >>> 9);
    this.#b = (this.#c + (this.#c << 3)) >>> 0;
    this.#c = ((this.#c << 21) | (this.#c >>> 11)) >>> 0;
    this.#c = (this.#c + t) >>> 0;
    return t;
  }

  /** An integer in [0, n). */
  below(n: number): number {
    return n <= 0 ? 0 : Math.floor((this.u32() / 0x1_0000_0000) * n);
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.u32() / 0x1_0000_0000 < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.below(items.length)];
  }

  bytes(length: number): Uint8Array {
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i++) out[i] = this.u32() & 0xff;
    return out;
  }
}

/** Byte values that sit on the edges of length encodings, signs and ASCII classes. */
const INTERESTING_BYTES = [
  0x00,
  0x01,
  0x0a,
  0x0d,
  0x20,
  0x2d,
  0x30,
  0x39,
  0x3f,
  0x40,
  0x7f,
  0x80,
  0x81,
  0xc0,
  0xc3,
  0xfe,
  0xff,
];

const encoder = new TextEncoder();

/** Decimal texts that hit limits of length and count parsers. */
export const INTERESTING_NUMBERS: readonly Uint8Array[] = [
  "0",
  "-1",
  "-2",
  "1",
  "2",
  "3",
  "16",
  "1024",
  "1025",
  "65536",
  "1048576",
  "1048577",
  "536870912",
  "536870913",
  "2147483647",
  "2147483648",
  "4294967296",
  "9007199254740991",
  "9007199254740993",
  "9223372036854775807",
  "9223372036854775808",
  "-9223372036854775808",
  "99999999999999999999999",
  "007",
  "+5",
  " 1",
  "1e3",
  "",
].map((s) => encoder.encode(s));

/**
 * Huge lengths as RDB length encodings (32-bit, 64-bit, 14-bit) and as raw little-endian
 * 32-bit counts, as listpacks, ziplists and intsets store them.
 */
const HUGE_LENGTHS: readonly Uint8Array[] = [
  [0x80, 0x7f, 0xff, 0xff, 0xff],
  [0x80, 0xff, 0xff, 0xff, 0xff],
  [0x81, 0x00, 0x1f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
  [0xbf, 0xff],
  [0x7f, 0xff, 0xff, 0xff],
  [0xff, 0xff, 0xff, 0x7f],
].map((bytes) => Uint8Array.from(bytes));

function writeHugeLength(rng: Prng, out: Uint8Array, at: number): void {
  const form = rng.pick(HUGE_LENGTHS);
  out.set(form.subarray(0, out.length - at), at);
}

/**
 * One to eight random edits: bit flips, byte sets, insertions, deletions, duplicated or moved
 * slices, truncation, huge length fields, decimal numbers, and splices with `others`.
 */
export function mutate(
  rng: Prng,
  input: Uint8Array,
  others: readonly Uint8Array[] = [],
): Uint8Array {
  let bytes: Uint8Array = input.slice();
  const edits = 1 + rng.below(rng.chance(0.7) ? 2 : 8);
  for (let e = 0; e < edits; e++) bytes = mutateOnce(rng, bytes, others);
  return bytes;
}

function mutateOnce(
  rng: Prng,
  bytes: Uint8Array,
  others: readonly Uint8Array[],
): Uint8Array {
  const n = bytes.length;
  const at = rng.below(n + 1);
  switch (rng.below(11)) {
    case 0:
      if (n > 0) bytes[rng.below(n)] ^= 1 << rng.below(8);
      return bytes;
    case 1:
      if (n > 0) bytes[rng.below(n)] = rng.chance(0.5) ? rng.pick(INTERESTING_BYTES) : rng.u32();
      return bytes;
    case 2:
      return splice(bytes, at, 0, rng.bytes(1 + rng.below(rng.chance(0.8) ? 4 : 64)));
    case 3:
      return splice(bytes, at, 1 + rng.below(rng.chance(0.8) ? 4 : 64), new Uint8Array(0));
    case 4:
      return bytes.slice(0, rng.below(n + 1));
    case 5: {
      // Repeat a slice in place: doubled headers, doubled elements.
      const from = rng.below(n + 1);
      const piece = bytes.slice(from, from + 1 + rng.below(32));
      return splice(bytes, at, 0, piece);
    }
    case 6: {
      if (n === 0) return bytes;
      const out = bytes.slice();
      writeHugeLength(rng, out, rng.below(n));
      return out;
    }
    case 7:
      return splice(bytes, at, rng.below(3), rng.pick(INTERESTING_NUMBERS));
    case 8: {
      // Replace a run of digits with another number: RESP lengths and counts live there.
      const digits = findDigits(rng, bytes);
      if (digits === undefined) return bytes;
      return splice(bytes, digits[0], digits[1] - digits[0], rng.pick(INTERESTING_NUMBERS));
    }
    case 9: {
      if (others.length === 0) return bytes;
      const other = rng.pick(others);
      const from = rng.below(other.length + 1);
      const piece = other.subarray(from, from + 1 + rng.below(rng.chance(0.5) ? 16 : 512));
      return rng.chance(0.5)
        ? splice(bytes, at, 0, piece)
        : splice(bytes.subarray(0, at), at, 0, other.subarray(from));
    }
    default: {
      if (n === 0) return bytes;
      const out = bytes.slice();
      const v = rng.pick(INTERESTING_BYTES);
      const run = 1 + rng.below(8);
      out.fill(v, rng.below(n), Math.min(n, at + run));
      return out;
    }
  }
}

function findDigits(rng: Prng, bytes: Uint8Array): [number, number] | undefined {
  const start = rng.below(bytes.length);
  for (let i = 0; i < bytes.length; i++) {
    const p = (start + i) % bytes.length;
    if (bytes[p] >= 0x30 && bytes[p] <= 0x39) {
      let s = p;
      let e = p;
      while (s > 0 && bytes[s - 1] >= 0x30 && bytes[s - 1] <= 0x39) s--;
      while (e < bytes.length && bytes[e] >= 0x30 && bytes[e] <= 0x39) e++;
      return [s, e];
    }
  }
  return undefined;
}

/** bytes with [at, at + remove) replaced by `insert`. */
export function splice(
  bytes: Uint8Array,
  at: number,
  remove: number,
  insert: Uint8Array,
): Uint8Array {
  const start = Math.min(at, bytes.length);
  const end = Math.min(bytes.length, start + remove);
  const out = new Uint8Array(bytes.length - (end - start) + insert.length);
  out.set(bytes.subarray(0, start));
  out.set(insert, start);
  out.set(bytes.subarray(end), start + insert.length);
  return out;
}

/**
 * Cut points for feeding `length` bytes in pieces: one byte at a time, small pieces, or a handful
 * of big ones.
 */
export function chunkBounds(rng: Prng, length: number): number[] {
  const bounds: number[] = [];
  const style = rng.below(3);
  const pick = style === 0
    ? 1
    : style === 1
    ? 1 + rng.below(16)
    : 1 + rng.below(Math.max(1, length));
  // At most about a thousand pieces: a byte at a time through 200 KB costs more than it finds.
  const max = Math.max(pick, Math.ceil(length / 512));
  for (let p = 0; p < length;) {
    p = Math.min(length, p + 1 + rng.below(max));
    bounds.push(p);
  }
  return bounds;
}

/** Splits `bytes` at the bounds of {@link chunkBounds}, as copies (callers may keep views). */
export function chunks(rng: Prng, bytes: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  let from = 0;
  for (const to of chunkBounds(rng, bytes.length)) {
    out.push(bytes.slice(from, to));
    from = to;
  }
  return out;
}
