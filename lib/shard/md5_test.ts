import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { md5Words } from "./md5.ts";

function hex(words: Int32Array): string {
  return [...new Uint8Array(words.buffer)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

Deno.test("md5Words gives RFC 1321's digests", () => {
  const encoder = new TextEncoder();
  assert.equal(hex(md5Words(new Uint8Array())), "d41d8cd98f00b204e9800998ecf8427e");
  assert.equal(hex(md5Words(encoder.encode("abc"))), "900150983cd24fb0d6963f7d28e17f72");
  assert.equal(
    hex(
      md5Words(
        encoder.encode(
          "12345678901234567890123456789012345678901234567890123456789012345678901234567890",
        ),
      ),
    ),
    "57edf4a22be3c955ac49da2e2107b67a",
  );
});

Deno.test("md5Words agrees with node:crypto at every length around block edges", () => {
  for (let length = 0; length < 300; length++) {
    const input = Uint8Array.from({ length }, (_, i) => (i * 31 + length) & 0xff);
    assert.equal(
      hex(md5Words(input)),
      createHash("md5").update(input).digest("hex"),
      `length ${length}`,
    );
  }
});
