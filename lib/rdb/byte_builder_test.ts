import assert from "node:assert/strict";
import fc from "fast-check";
import { ByteBuilder } from "./byte_builder.ts";
import { ByteReader, NeedMoreInput } from "./byte_reader.ts";
import { RdbSyntaxError } from "./rdb_syntax_error.ts";

Deno.test("RDB lengths round-trip in their shortest form, up to 64 bits", () => {
  fc.assert(
    fc.property(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), (n) => {
      const bytes = new ByteBuilder().rdbLength(n).take();
      const expectedSize = n < 64n ? 1 : n < 16384n ? 2 : n < 2n ** 32n ? 5 : 9;
      assert.equal(bytes.length, expectedSize);
      const reader = new ByteReader(bytes);
      assert.equal(reader.lengthBig("a length"), n);
      assert.equal(reader.remaining, 0);
    }),
  );
});

Deno.test("RDB strings round-trip through the integer, LZF and plain encodings", () => {
  const text = (s: string) => new TextEncoder().encode(s);
  const strings = fc.oneof(
    fc.uint8Array({ maxLength: 300 }),
    fc.integer().map((n) => text(String(n))),
    fc.string({ minLength: 1, maxLength: 5 }).map((s) => text(s.repeat(40))),
  );
  fc.assert(
    fc.property(fc.array(strings, { maxLength: 10 }), (values) => {
      const builder = new ByteBuilder();
      for (const value of values) builder.rdbString(value);
      const reader = new ByteReader(builder.take());
      for (const value of values) assert.deepEqual(reader.string(), value);
      assert.equal(reader.remaining, 0);
    }),
  );
  assert.equal(new ByteBuilder().rdbString(text("-32768")).take()[0], 0xc1);
  assert.equal(new ByteBuilder().rdbString(text("a".repeat(100))).take()[0], 0xc3);
});

Deno.test("ByteReader: running out is NeedMoreInput on a partial buffer, an offset error at the end", () => {
  const bytes = new ByteBuilder().rdbString(new TextEncoder().encode("hello world")).take();
  const partial = new ByteReader(bytes.subarray(0, 5), 0, 5, 100, false);
  assert.throws(() => partial.string(), NeedMoreInput);
  const truncated = new ByteReader(bytes.subarray(0, 5), 0, 5, 100, true);
  assert.throws(
    () => truncated.string("a key"),
    (error: unknown) =>
      error instanceof RdbSyntaxError && error.offset === 100 &&
      error.message ===
        "Cannot parse RDB: a key of 11 bytes exceeds the 4 that remain at offset 100",
  );
  const huge = new ByteBuilder().rdbLength(2n ** 62n).take();
  assert.throws(() => new ByteReader(huge).length("a list length"), /too large/);
});
