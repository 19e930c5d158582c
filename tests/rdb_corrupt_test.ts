import assert from "node:assert/strict";
import { parseRdb, RdbSyntaxError } from "../lib/rdb/mod.ts";
import { FIXTURE_VERSIONS, fixtureRdb } from "./_util/rdb_files.ts";

/** Parses and decodes everything; resolves with the number of keys. */
async function decodeAll(bytes: Uint8Array, verifyChecksum: boolean): Promise<number> {
  let keys = 0;
  for await (const record of parseRdb(bytes, { verifyChecksum })) {
    if (record.kind !== "entry") continue;
    record.entry.decode();
    keys++;
  }
  return keys;
}

for (const version of FIXTURE_VERSIONS) {
  Deno.test(`rdb: the Redis ${version} fixture, truncated or with a flipped byte, fails with RdbSyntaxError`, async () => {
    const bytes = await fixtureRdb(version);
    let seed = 7;
    const random = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
    for (let trial = 0; trial < 300; trial++) {
      const length = random() % bytes.length;
      await assert.rejects(() => decodeAll(bytes.subarray(0, length), true), RdbSyntaxError);
      const corrupt = bytes.slice();
      const at = random() % bytes.length;
      corrupt[at] ^= 1 + (random() % 255);
      await assert.rejects(() => decodeAll(corrupt, true), RdbSyntaxError, `flip at ${at}`);
      // Without the checksum the flip must still end in a clean error or a parse that completes.
      await decodeAll(corrupt, false).catch((error) => {
        assert.ok(error instanceof RdbSyntaxError, `flip at ${at}: ${error}`);
      });
    }
  });
}
