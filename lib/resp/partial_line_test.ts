import assert from "node:assert/strict";
import { PartialLine } from "./partial_line.ts";

Deno.test("PartialLine collects pieces of a line", () => {
  const line = new PartialLine();
  const bytes = new TextEncoder().encode("*12345\r\n");
  for (let i = 0; i < bytes.length; i++) line.append(bytes, i, i + 1);
  assert.equal(new TextDecoder().decode(line.bytes.subarray(0, line.length)), "*12345\r\n");
  line.length = 0;
  line.append(bytes, 0, 2);
  assert.equal(line.length, 2);
  assert.ok(line.bytes.length >= 64);
});
