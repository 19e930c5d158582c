import assert from "node:assert/strict";
import { Continuum, md5Hash } from "./ketama.ts";

const encoder = new TextEncoder();

Deno.test("md5Hash reads the digest's first four bytes little-endian", () => {
  // md5("") = d41d8cd98f00b204e9800998ecf8427e
  assert.equal(md5Hash(new Uint8Array()), 0xd98c1dd4);
  assert.equal(md5Hash(encoder.encode("a")), 0xb975c10c); // 0cc175b9...
});

Deno.test("each server gets 160 points scaled by weight, as twemproxy computes them", () => {
  const three = new Continuum(["a:1", "b:1", "c:1"].map((name) => ({ name, weight: 1 })));
  assert.equal(three.size, 480);
  // Shares 1/3 and 2/3 of 2 servers: floor(26.67) and floor(53.33) hashes of 4 points.
  const weighted = new Continuum([{ name: "a:1", weight: 1 }, { name: "b:1", weight: 2 }]);
  assert.equal(weighted.size, (26 + 53) * 4);
  assert.throws(() => new Continuum([]), /no servers/);
});

Deno.test("a hash goes to the next point, wrapping past the last", () => {
  const ring = new Continuum([{ name: "x", weight: 1 }, { name: "y", weight: 1 }]);
  const owners = new Set<number>();
  for (const hash of [0, 1, 2 ** 31, 2 ** 32 - 1]) owners.add(ring.serverFor(hash));
  for (const owner of owners) assert.ok(owner === 0 || owner === 1);
  assert.equal(ring.serverFor(2 ** 32 - 1), ring.serverFor(0), "past the last point is the first");
});
