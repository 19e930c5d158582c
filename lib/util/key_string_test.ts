import assert from "node:assert/strict";
import { keyString } from "./key_string.ts";

Deno.test("keyString is injective over all byte values and separates databases", () => {
  const seen = new Set<string>();
  for (let b = 0; b < 256; b++) seen.add(keyString(0, new Uint8Array([b, 0x41])));
  assert.equal(seen.size, 256);
  const key = new TextEncoder().encode("k");
  assert.notEqual(keyString(0, key), keyString(1, key));
});
