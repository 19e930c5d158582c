import assert from "node:assert/strict";
import { Crc64, crc64 } from "./crc64.ts";

/** Bit-at-a-time reference, straight from the definition. */
function referenceCrc64(bytes: Uint8Array): bigint {
  const poly = 0x95ac9329ac4bc9b5n;
  let crc = 0n;
  for (const byte of bytes) {
    crc ^= BigInt(byte);
    for (let bit = 0; bit < 8; bit++) crc = crc & 1n ? (crc >> 1n) ^ poly : crc >> 1n;
  }
  return crc;
}

Deno.test("crc64 matches Redis's check value for 123456789", () => {
  assert.equal(crc64(new TextEncoder().encode("123456789")), 0xe9c6d914c4b8d9can);
});

Deno.test("crc64 agrees with the bitwise definition for every length up to 40, in any chunking", () => {
  const bytes = new Uint8Array(40).map((_, i) => (i * 151 + 7) & 0xff);
  for (let length = 0; length <= bytes.length; length++) {
    const input = bytes.subarray(0, length);
    const expected = referenceCrc64(input);
    assert.equal(crc64(input), expected);
    const split = Math.floor(length / 3);
    const chunked = new Crc64().update(input.subarray(0, split)).update(input.subarray(split));
    assert.equal(chunked.value, expected);
  }
});

Deno.test("Crc64.bytes is the little-endian form of the value", () => {
  const crc = new Crc64().update(new TextEncoder().encode("123456789"));
  assert.deepEqual([...crc.bytes()], [0xca, 0xd9, 0xb8, 0xc4, 0x14, 0xd9, 0xc6, 0xe9]);
});
