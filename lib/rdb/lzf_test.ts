import assert from "node:assert/strict";
import { lzfCompress, lzfDecompress, LzfError } from "./lzf.ts";

const text = (s: string) => new TextEncoder().encode(s);

Deno.test("lzf round-trips repetitive and mixed data", () => {
  const inputs = [
    text("a".repeat(1000)),
    text("hello hello hello hello world world world"),
    text("0123456789".repeat(3000)),
    new Uint8Array(20000).map((_, i) => (i % 7) * 31 + (i % 13)),
  ];
  for (const input of inputs) {
    const compressed = lzfCompress(input);
    assert.ok(compressed, "repetitive input compresses");
    assert.ok(compressed.length < input.length);
    assert.deepEqual(lzfDecompress(compressed, input.length), input);
  }
});

Deno.test("lzfCompress gives up on data it cannot shrink", () => {
  let seed = 12345;
  const random = new Uint8Array(500).map(() =>
    (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 24
  );
  assert.equal(lzfCompress(random), undefined);
  assert.equal(lzfCompress(text("abc")), undefined);
});

Deno.test("lzfDecompress rejects corrupt input", () => {
  const good = lzfCompress(text("abcabcabcabcabcabcabcabc"))!;
  assert.throws(() => lzfDecompress(good, 5), LzfError);
  assert.throws(() => lzfDecompress(good, 100), LzfError);
  // A back-reference as the very first instruction points before the output.
  assert.throws(() => lzfDecompress(new Uint8Array([0x20, 0x05]), 3), /before the start/);
  assert.throws(() => lzfDecompress(new Uint8Array([0x05, 0x61]), 6), /overflows the input/);
});
