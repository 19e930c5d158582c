import assert from "node:assert/strict";
import { BulkBuffer } from "./bulk_buffer.ts";

Deno.test("BulkBuffer assembles a bulk from pieces and starts empty again", () => {
  const bulk = new BulkBuffer();
  bulk.start(5);
  assert.equal(bulk.fill(Uint8Array.of(9, 1, 2), 1), 3);
  assert.equal(bulk.filled, 2);
  assert.equal(bulk.complete, false);
  // Only what the bulk still lacks is taken from a chunk that goes on past it.
  assert.equal(bulk.fill(Uint8Array.of(3, 4, 5, 13, 10), 0), 3);
  assert.ok(bulk.complete);
  assert.deepEqual(bulk.take(), Uint8Array.of(1, 2, 3, 4, 5));
  assert.equal(bulk.filled, 0);
});

Deno.test("BulkBuffer grows past its first allocation for a big bulk", () => {
  const bulk = new BulkBuffer();
  const size = 3 * 1024 * 1024 + 7;
  bulk.start(size);
  const piece = new Uint8Array(64 * 1024).fill(7);
  while (!bulk.complete) bulk.fill(piece, Math.max(0, piece.length - (size - bulk.filled)));
  const taken = bulk.take();
  assert.equal(taken.length, size);
  assert.ok(taken.every((b) => b === 7));
});

Deno.test("BulkBuffer holds a bulk whose data arrived whole", () => {
  const bulk = new BulkBuffer();
  const data = Uint8Array.of(1, 2);
  bulk.hold(data);
  assert.ok(bulk.complete);
  assert.equal(bulk.filled, 2);
  assert.equal(bulk.take(), data);
});
