import assert from "node:assert/strict";
import { allocBytes } from "./alloc_bytes.ts";

Deno.test("allocBytes hands out zeroed, non-overlapping arrays", () => {
  const arrays = Array.from({ length: 5000 }, (_, i) => allocBytes(1 + (i % 50)));
  arrays.forEach((bytes, i) => {
    assert.equal(bytes.length, 1 + (i % 50));
    assert.ok(bytes.every((b) => b === 0));
    bytes.fill(i % 256);
  });
  arrays.forEach((bytes, i) => assert.ok(bytes.every((b) => b === i % 256), `array ${i}`));
});

Deno.test("allocBytes gives big arrays their own buffer", () => {
  const big = allocBytes(100_000);
  assert.equal(big.length, 100_000);
  assert.equal(big.byteOffset, 0);
  assert.equal(big.buffer.byteLength, 100_000);
  assert.equal(allocBytes(0).length, 0);
});
