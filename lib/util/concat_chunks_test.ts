import assert from "node:assert/strict";
import { concatChunks } from "./concat_chunks.ts";

Deno.test("concatChunks joins chunks in order", () => {
  const joined = concatChunks([Uint8Array.of(1, 2), new Uint8Array(0), Uint8Array.of(3)]);
  assert.deepEqual([...joined], [1, 2, 3]);
  assert.equal(concatChunks([]).length, 0);
});
