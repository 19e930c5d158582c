import { createHash, timingSafeEqual } from "node:crypto";

/** SHA-256 of a secret: comparing digests takes the same time whatever the lengths. */
export function secretDigest(secret: string | Uint8Array): Uint8Array {
  return createHash("sha256").update(secret).digest();
}

/** Constant-time comparison of a given secret with the expected one's digest. */
export function matchesDigest(given: string | Uint8Array, expected: Uint8Array): boolean {
  return timingSafeEqual(secretDigest(given), expected);
}
