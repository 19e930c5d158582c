import assert from "node:assert/strict";
import { ReadBuffer } from "./read_buffer.ts";

Deno.test("ReadBuffer grows for reads that fill it, shrinks after small ones, copies", () => {
  const buffer = new ReadBuffer();
  assert.equal(buffer.bytes.length, 1024);
  buffer.bytes.fill(7);
  const full = buffer.take(1024);
  assert.equal(full.length, 1024);
  assert.equal(buffer.bytes.length, 4096);
  buffer.bytes.fill(9);
  // The chunk taken is a copy: the next read into the buffer does not change it.
  assert.ok(full.every((byte) => byte === 7));
  for (let size = 4096; size < 64 * 1024; size *= 4) buffer.take(size);
  assert.equal(buffer.bytes.length, 64 * 1024);
  buffer.take(64 * 1024);
  assert.equal(buffer.bytes.length, 64 * 1024, "64 KiB is the largest");
  buffer.bytes.fill(5);
  assert.deepEqual([...buffer.take(3)], [5, 5, 5]);
  assert.equal(buffer.bytes.length, 1024);
});
