import assert from "node:assert/strict";
import fc from "fast-check";
import { EncodingError } from "./encoding_error.ts";
import { asInteger, decodeListpack, encodeListpack, type ListpackElement } from "./listpack.ts";

const text = (s: string) => new TextEncoder().encode(s);

/** What a decoded element means, as Redis would answer it: integers are their decimal text. */
function meaning(element: ListpackElement): string {
  return typeof element === "bigint" ? String(element) : new TextDecoder("latin1").decode(element);
}

const element = fc.oneof(
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
  fc.integer({ min: -5000, max: 5000 }).map((n) => BigInt(n)),
  fc.uint8Array({ maxLength: 70 }),
  fc.uint8Array({ minLength: 4000, maxLength: 5000 }),
  fc.stringMatching(/^-?[0-9]{1,20}$/).map(text),
);

Deno.test("listpack: decode(encode(x)) keeps every element's meaning", () => {
  fc.assert(
    fc.property(fc.array(element, { maxLength: 40 }), (elements) => {
      const decoded = decodeListpack(encodeListpack(elements));
      assert.deepEqual(decoded.map(meaning), elements.map(meaning));
    }),
  );
});

Deno.test("listpack: canonical integer strings are stored as integers, others as strings", () => {
  const decoded = decodeListpack(
    encodeListpack([text("12"), text("012"), text("-0"), text("abc")]),
  );
  assert.deepEqual(decoded.slice(0, 1), [12n]);
  assert.ok(decoded.slice(1).every((e) => e instanceof Uint8Array));
  assert.equal(asInteger(text("9223372036854775807")), 9223372036854775807n);
  assert.equal(asInteger(text("9223372036854775808")), undefined);
});

Deno.test("listpack: any truncation or byte flip is an EncodingError or a different valid list", () => {
  fc.assert(
    fc.property(
      fc.array(element, { minLength: 1, maxLength: 10 }),
      fc.nat(),
      fc.integer({ min: 1, max: 255 }),
      (elements, where, flip) => {
        const bytes = encodeListpack(elements);
        const cut = bytes.subarray(0, where % bytes.length);
        assert.throws(() => decodeListpack(cut), EncodingError);
        const flipped = bytes.slice();
        flipped[where % bytes.length] ^= flip;
        try {
          decodeListpack(flipped);
        } catch (error) {
          assert.ok(error instanceof EncodingError, String(error));
        }
      },
    ),
  );
});
