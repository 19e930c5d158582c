import assert from "node:assert/strict";
import { parseInteger } from "./parse_integer.ts";

const parse = (text: string) => {
  const bytes = new TextEncoder().encode(`[${text}]`);
  return parseInteger(bytes, 1, bytes.length - 1);
};

Deno.test("parseInteger accepts what Redis's string2ll accepts", () => {
  assert.equal(parse("0"), 0);
  assert.equal(parse("7"), 7);
  assert.equal(parse("-1"), -1);
  assert.equal(parse("1048576"), 1048576);
  assert.equal(parse("9007199254740991"), Number.MAX_SAFE_INTEGER);
  assert.equal(parse("9223372036854775807"), 9223372036854775807);
  assert.equal(parse("-9223372036854775808"), -9223372036854775808);
});

Deno.test("parseInteger rejects what string2ll rejects", () => {
  for (const text of ["", "-", "+1", " 1", "1 ", "01", "-0", "00", "1x", "x", "1.5", "0x10"]) {
    assert.ok(Number.isNaN(parse(text)), JSON.stringify(text));
  }
  assert.ok(Number.isNaN(parse("9223372036854775808")), "above int64");
  assert.ok(Number.isNaN(parse("-9223372036854775809")), "below int64");
  assert.ok(Number.isNaN(parse("1".repeat(21))), "21 bytes or more");
});

Deno.test("parseInteger reads only the given range", () => {
  const bytes = new TextEncoder().encode("*12\r\n");
  assert.equal(parseInteger(bytes, 1, 3), 12);
  assert.equal(parseInteger(bytes, 1, 2), 1);
  assert.ok(Number.isNaN(parseInteger(bytes, 1, 4)));
});
