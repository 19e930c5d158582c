import assert from "node:assert/strict";
import { keyString, printableKey } from "./key_string.ts";

Deno.test("keyString is injective over all byte values and separates databases", () => {
  const seen = new Set<string>();
  for (let b = 0; b < 256; b++) seen.add(keyString(0, new Uint8Array([b, 0x41])));
  assert.equal(seen.size, 256);
  const key = new TextEncoder().encode("k");
  assert.notEqual(keyString(0, key), keyString(1, key));
});

Deno.test("printableKey leaves plain keys alone and quotes the rest like redis-cli", () => {
  const bytes = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));
  assert.equal(printableKey(bytes("user:1")), "user:1");
  assert.equal(printableKey(bytes("a b")), '"a b"');
  assert.equal(printableKey(bytes('\u0000\u00ff\n"')), '"\\x00\\xff\\x0a\\""');
  assert.equal(printableKey(bytes("")), '""');
});
