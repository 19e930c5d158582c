/**
 * MD5 (RFC 1321) of a byte string, as four little-endian words. Written out rather than taken
 * from node:crypto because the ring hashes every key it routes: a call into the runtime's
 * digest costs several microseconds, this a fraction of one for a key of a few dozen bytes.
 */

/** The rotation of each step: four per round, repeated four times. */
const S = Uint8Array.from(
  { length: 64 },
  (_, i) => [[7, 12, 17, 22], [5, 9, 14, 20], [4, 11, 16, 23], [6, 10, 15, 21]][i >> 4][i & 3],
);

const K = Int32Array.from(
  { length: 64 },
  (_, i) => Math.floor(Math.abs(Math.sin(i + 1)) * 2 ** 32),
);

/** The message word each of the 64 steps reads. */
const G = Uint8Array.from({ length: 64 }, (_, i) => {
  if (i < 16) return i;
  if (i < 32) return (5 * i + 1) % 16;
  if (i < 48) return (3 * i + 5) % 16;
  return (7 * i) % 16;
});

const words = new Int32Array(16);
const digest = new Int32Array(4);

/**
 * The digest's four words (a, b, c, d), each the little-endian reading of 4 digest bytes. The
 * array is reused by the next call: read it before hashing again.
 */
export function md5Words(input: Uint8Array): Int32Array {
  const length = input.length;
  // Padding: 0x80, zeros, and the bit length, to a multiple of 64 bytes.
  const blocks = ((length + 8) >>> 6) + 1;
  let a0 = 0x67452301, b0 = 0xefcdab89 | 0, c0 = 0x98badcfe | 0, d0 = 0x10325476;
  for (let block = 0; block < blocks; block++) {
    const base = block * 64;
    words.fill(0);
    const end = Math.min(length, base + 64);
    for (let at = base; at < end; at++) words[(at - base) >> 2] |= input[at] << ((at & 3) << 3);
    if (length >= base && length < base + 64) {
      words[(length - base) >> 2] |= 0x80 << ((length & 3) << 3);
    }
    if (block === blocks - 1) {
      words[14] = length << 3;
      words[15] = Math.floor(length / 0x20000000);
    }
    let a = a0, b = b0, c = c0, d = d0;
    // The four rounds differ in their mixing function only.
    for (let i = 0; i < 64; i++) {
      const f = i < 16
        ? (b & c) | (~b & d)
        : i < 32
        ? (d & b) | (~d & c)
        : i < 48
        ? b ^ c ^ d
        : c ^ (b | ~d);
      const sum = (a + f + K[i] + words[G[i]]) | 0;
      a = d;
      d = c;
      c = b;
      b = (b + ((sum << S[i]) | (sum >>> (32 - S[i])))) | 0;
    }
    a0 = (a0 + a) | 0;
    b0 = (b0 + b) | 0;
    c0 = (c0 + c) | 0;
    d0 = (d0 + d) | 0;
  }
  digest[0] = a0;
  digest[1] = b0;
  digest[2] = c0;
  digest[3] = d0;
  return digest;
}
