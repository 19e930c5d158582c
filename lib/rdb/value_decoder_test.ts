import assert from "node:assert/strict";
import { ByteBuilder } from "./byte_builder.ts";
import { ByteReader } from "./byte_reader.ts";
import { encodeListpack } from "./listpack.ts";
import { RdbSyntaxError } from "./rdb_syntax_error.ts";
import { RdbType } from "./rdb_types.ts";
import { decodeValue } from "./value_decoder.ts";

const text = (s: string) => new TextEncoder().encode(s);

/** A ZSET_LISTPACK payload with one member and `score` as its score element. */
function zsetListpack(score: Uint8Array): ByteReader {
  const payload = new ByteBuilder(16).rdbString(encodeListpack([text("m"), score])).take();
  return new ByteReader(payload);
}

Deno.test("decodeValue reads a sorted set score of 300,000 digits without overflowing the stack", () => {
  const value = decodeValue(
    RdbType.ZSET_LISTPACK,
    zsetListpack(new Uint8Array(300_000).fill(0x31)),
  );
  assert.deepEqual(value, { type: "zset", members: [{ member: text("m"), score: Infinity }] });
});

Deno.test("decodeValue rejects a long score that is no number with a short message", () => {
  const reader = zsetListpack(new Uint8Array(300_000).fill(0x78));
  assert.throws(
    () => decodeValue(RdbType.ZSET_LISTPACK, reader),
    (error) =>
      error instanceof RdbSyntaxError &&
      /score "x{40}\.\.\." is not a number/.test(error.message) &&
      error.message.length < 200,
  );
});
