// Allocating an ArrayBuffer costs far more than creating a view of one (about 1 µs against
// 50 ns on Deno 2.9), and the encoders allocate once per command or reply. Small arrays are
// therefore carved out of shared slabs, as Node's Buffer pool does. A slab region is handed
// out once and never reused, so an array stays valid for as long as anyone holds it; the cost
// is that a kept small array keeps its whole slab alive.
const SLAB_SIZE = 64 * 1024;
const POOLED_MAX = 4 * 1024;

let slab = new ArrayBuffer(SLAB_SIZE);
let used = 0;

/**
 * Returns a zero-filled array of `size` bytes. Small ones are views into a shared buffer: use
 * them freely, but never transfer or detach their `.buffer`.
 */
export function allocBytes(size: number): Uint8Array {
  if (size > POOLED_MAX) return new Uint8Array(size);
  if (used + size > SLAB_SIZE) {
    slab = new ArrayBuffer(SLAB_SIZE);
    used = 0;
  }
  const bytes = new Uint8Array(slab, used, size);
  // Keeping regions 8-byte aligned costs little and keeps any later wider view possible.
  used += (size + 7) & ~7;
  return bytes;
}

/**
 * A private copy of `bytes`, from a shared slab when small: a socket read copied out of its
 * reusable buffer costs a view instead of an ArrayBuffer of its own.
 */
export function copyBytes(bytes: Uint8Array): Uint8Array {
  if (bytes.length > POOLED_MAX) return bytes.slice();
  const copy = allocBytes(bytes.length);
  copy.set(bytes);
  return copy;
}
