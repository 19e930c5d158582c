import assert from "node:assert/strict";
import { forEachRecord, parseRdb } from "./parse_rdb.ts";
import { RdbSyntaxError } from "./rdb_syntax_error.ts";
import { buildRdb } from "./rdb_writer.ts";

const text = (s: string) => new TextEncoder().encode(s);

/** Three keys, then a byte that is no opcode or type where the fourth record should start. */
function corruptAfterThreeKeys(): Uint8Array {
  const good = buildRdb((w) => {
    w.selectDb(0);
    for (const key of ["a", "b", "c"]) w.value(text(key), { type: "string", value: text(key) });
  });
  // Cut the EOF opcode and checksum and put an unknown type byte where the next record goes.
  const corrupt = good.slice(0, good.length - 8);
  corrupt[corrupt.length - 1] = 0x1a;
  return corrupt;
}

Deno.test("parseRdb yields the records before a corruption in the same chunk, then throws", async () => {
  const keys: string[] = [];
  await assert.rejects(async () => {
    for await (const record of parseRdb(corruptAfterThreeKeys())) {
      if (record.kind === "entry") keys.push(record.entry.keyText);
    }
  }, /unknown type byte 0x1a/);
  assert.deepEqual(keys, ["a", "b", "c"]);
});

Deno.test("forEachRecord visits the records before a corruption in the same chunk", async () => {
  const keys: string[] = [];
  const visit = forEachRecord(corruptAfterThreeKeys(), (record) => {
    if (record.kind === "entry") keys.push(record.entry.keyText);
  });
  await assert.rejects(() => visit, RdbSyntaxError);
  assert.deepEqual(keys, ["a", "b", "c"]);
});
