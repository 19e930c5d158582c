import assert from "node:assert/strict";
import { Redis } from "ioredis";
import { decodeDump, encodeDump, parseRdb, RdbEntry } from "../lib/rdb/mod.ts";
import { RedisServer } from "../lib/redis_process/mod.ts";
import { integrationTest } from "./_util/integration.ts";
import { fixtureRdb, serverLoading } from "./_util/rdb_files.ts";
import { canonicalFromRdb } from "./_util/rdb_fixture_values.ts";

async function entries(rdb: Uint8Array): Promise<RdbEntry[]> {
  const out: RdbEntry[] = [];
  for await (const record of parseRdb(rdb)) if (record.kind === "entry") out.push(record.entry);
  return out;
}

integrationTest(
  "rdb: RESTORE accepts encodeDump of every fixture entry, and decodeDump reads every DUMP",
  async () => {
    const rdb = await fixtureRdb("7.0.15");
    await using original = await serverLoading(rdb);
    await using target = await RedisServer.start({ args: ["--enable-debug-command", "yes"] });
    const from = new Redis({ port: original.port, host: "127.0.0.1" });
    const to = new Redis({ port: target.port, host: "127.0.0.1" });
    try {
      const all = await entries(rdb);
      assert.ok(all.length > 30);
      for (const entry of all) {
        await from.select(entry.db);
        await to.select(entry.db);
        const payload = Buffer.from(entry.dump(10));
        if (entry.expiresAt === undefined) await to.restore(Buffer.from(entry.key), 0, payload);
        else await to.restore(Buffer.from(entry.key), entry.expiresAt, payload, "ABSTTL");
        const digest = (redis: Redis) =>
          redis.call("DEBUG", "DIGEST-VALUE", Buffer.from(entry.key));
        assert.deepEqual(await digest(to), await digest(from), entry.keyText);

        const dumped = await from.dumpBuffer(Buffer.from(entry.key));
        const decoded = decodeDump(new Uint8Array(dumped));
        assert.equal(decoded.rdbVersion, 10);
        assert.equal(decoded.type, entry.type, entry.keyText);
        // Hash-table encodings may list members in another order than SAVE did: compare values.
        const fromDump = new RdbEntry(
          entry.db,
          entry.key,
          decoded.type,
          decoded.payload,
          0,
          dumped,
        );
        assert.deepEqual(canonicalFromRdb(fromDump), {
          ...canonicalFromRdb(entry),
          expiresAt: undefined,
          hasTtl: false,
        }, entry.keyText);
      }
    } finally {
      from.disconnect();
      to.disconnect();
    }
  },
);

Deno.test("rdb: encodeDump output is what decodeDump expects, byte for byte", async () => {
  for (const entry of await entries(await fixtureRdb("7.4.1"))) {
    const dump = encodeDump(entry, 12);
    const decoded = decodeDump(dump);
    assert.deepEqual([decoded.type, decoded.rdbVersion], [entry.type, 12]);
    assert.deepEqual(decoded.payload, entry.payload);
  }
});
