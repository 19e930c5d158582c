import assert from "node:assert/strict";
import { ByteNameMap, equalsIgnoreCase, lowerAscii, lowerAsciiString } from "./byte_name_map.ts";

const enc = new TextEncoder();

Deno.test("ByteNameMap finds names in any letter case", () => {
  const map = new ByteNameMap([["get", 1], ["set", 2], ["georadius_ro", 3]]);
  assert.equal(map.size, 3);
  for (
    const [name, value] of [["get", 1], ["GET", 1], ["gEt", 1], ["SET", 2], ["GeoRadius_RO", 3]]
  ) {
    assert.equal(map.get(enc.encode(name as string)), value, `${name}`);
  }
});

Deno.test("ByteNameMap misses what it does not hold", () => {
  const map = new ByteNameMap([["get", 1]]);
  for (const name of ["", "ge", "gets", "g\u00c9t", "georadius_ro_but_longer", "GET "]) {
    assert.equal(map.get(enc.encode(name)), undefined, JSON.stringify(name));
  }
  // Only A-Z fold: bytes that differ from a letter by 32 elsewhere in Latin-1 do not match.
  assert.equal(map.get(new Uint8Array([0x47 + 0x80, 0x45, 0x54])), undefined);
  assert.equal(new ByteNameMap<number>([]).get(enc.encode("get")), undefined);
});

Deno.test("ByteNameMap agrees with a Map for many names", () => {
  const names = Array.from({ length: 500 }, (_, i) => `cmd${i.toString(36)}_${i % 7}`);
  const map = new ByteNameMap(names.map((name, i) => [name, i] as const));
  names.forEach((name, i) => {
    assert.equal(map.get(enc.encode(name.toUpperCase())), i, name);
    assert.equal(map.get(enc.encode(`${name}x`)), undefined, `${name}x`);
  });
});

Deno.test("ByteNameMap refuses repeated and non-ASCII names", () => {
  assert.throws(() => new ByteNameMap([["get", 1], ["GET", 2]]), /twice/);
  assert.throws(() => new ByteNameMap([["g\u00e9t", 1]]), /not ASCII/);
});

Deno.test("equalsIgnoreCase and the lower-casing helpers fold ASCII letters only", () => {
  assert.ok(equalsIgnoreCase(enc.encode("RePlAcE"), "replace"));
  assert.ok(!equalsIgnoreCase(enc.encode("replaced"), "replace"));
  assert.ok(!equalsIgnoreCase(enc.encode("[eplace"), "{eplace"), "'[' is not a letter");
  assert.ok(!equalsIgnoreCase(undefined, "replace"));
  assert.equal(lowerAscii(0x41), 0x61);
  assert.equal(lowerAscii(0x5b), 0x5b);
  assert.equal(lowerAsciiString(enc.encode("NoSuch_CMD")), "nosuch_cmd");
});
