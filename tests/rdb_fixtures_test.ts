import assert from "node:assert/strict";
import { Redis } from "ioredis";
import { filterRdb, parseRdb, type RdbEntry } from "../lib/rdb/mod.ts";
import { concatChunks } from "../lib/util/mod.ts";
import { integrationTest } from "./_util/integration.ts";
import { digests } from "./_util/digests.ts";
import { canonicalFromRdb, type FixtureKey } from "./_util/rdb_fixture_values.ts";
import {
  FIXTURE_VERSIONS,
  fixtureKeys,
  fixtureRdb,
  rewriteFromValues,
  serverLoading,
} from "./_util/rdb_files.ts";

const byPlace = (a: FixtureKey, b: FixtureKey) =>
  a.db - b.db || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

async function entriesOf(rdb: Uint8Array): Promise<RdbEntry[]> {
  const entries: RdbEntry[] = [];
  for await (const record of parseRdb(rdb)) if (record.kind === "entry") entries.push(record.entry);
  return entries;
}

/** Compares decoded keys with what the saving server reported, key by key for readable diffs. */
function assertSameKeys(actual: FixtureKey[], expected: FixtureKey[]): void {
  actual.sort(byPlace);
  assert.deepEqual(actual.map((k) => `${k.db}/${k.key}`), expected.map((k) => `${k.db}/${k.key}`));
  for (const [i, want] of expected.entries()) {
    const got = actual[i];
    const label = `db ${want.db} key ${JSON.stringify(want.key)}`;
    assert.equal(got.type, want.type, label);
    assert.equal(got.hasTtl, want.hasTtl, label);
    if (want.expiresAt !== undefined) assert.equal(got.expiresAt, want.expiresAt, label);
    assert.deepEqual(got.value, want.value, label);
  }
}

for (const version of FIXTURE_VERSIONS) {
  Deno.test(`rdb: every key of the Redis ${version} fixture decodes to what that server reported`, async () => {
    const entries = await entriesOf(await fixtureRdb(version));
    assertSameKeys(entries.map(canonicalFromRdb), await fixtureKeys(version));
  });
}

// The installed Redis (7.0) loads RDB versions up to 10: the 2.8, 6.2 and 7.0 fixtures.
for (const version of ["2.8.24", "6.2.16", "7.0.15"]) {
  integrationTest(
    `rdb: Redis ${version} fixture rewritten from decoded values loads with identical digests`,
    async () => {
      const original = await fixtureRdb(version);
      const rewritten = await rewriteFromValues(original, 10);
      await using source = await serverLoading(original);
      await using copy = await serverLoading(rewritten);
      const expected = await digests(source.port);
      assert.equal(expected.size, (await fixtureKeys(version)).length);
      assert.deepEqual(await digests(copy.port), expected);
    },
  );
}

integrationTest(
  "rdb: an unfiltered copy loads with identical digests, TTLs and functions",
  async () => {
    const original = await fixtureRdb("7.0.15");
    const chunks: Uint8Array[] = [];
    const stats = await filterRdb(original, (chunk) => chunks.push(chunk));
    assert.equal(stats.kept, stats.keys);
    await using source = await serverLoading(original);
    await using copy = await serverLoading(concatChunks(chunks));
    assert.deepEqual(await digests(copy.port), await digests(source.port));
    const redis = new Redis({ port: copy.port, host: "127.0.0.1" });
    try {
      assert.equal(await redis.call("PEXPIRETIME", "ttl:string"), 4102444800000);
      assert.equal(await redis.call("FCALL", "fixture_echo", 0, "hi"), "hi");
    } finally {
      redis.disconnect();
    }
  },
);

integrationTest("rdb: filter output holds exactly the keys the regexes select", async () => {
  const include = /^(str|hash):/;
  const exclude = /large/;
  const expected = (await fixtureKeys("7.0.15"))
    .filter((k) => include.test(k.key) && !exclude.test(k.key))
    .map((k) => `${k.db}/${k.key}`)
    .sort();
  assert.ok(expected.length >= 5);
  const chunks: Uint8Array[] = [];
  const stats = await filterRdb(await fixtureRdb("7.0.15"), (c) => chunks.push(c), {
    include,
    exclude,
  });
  assert.equal(stats.kept, expected.length);
  const output = concatChunks(chunks);
  // Each database's table-size hint is scaled to the share of its keys that were kept.
  const hints = new Map<number, number>();
  let db = 0;
  for await (const record of parseRdb(output)) {
    if (record.kind === "selectdb") db = record.db;
    if (record.kind === "resizedb") hints.set(db, record.dbSize);
  }
  const keptInDb0 = expected.filter((k) => k.startsWith("0/")).length;
  const hint0 = hints.get(0) ?? 0;
  assert.ok(hint0 >= keptInDb0 && hint0 <= Math.ceil(keptInDb0 * 1.1), `db 0 hint ${hint0}`);
  await using filtered = await serverLoading(output);
  assert.deepEqual([...(await digests(filtered.port)).keys()].sort(), expected);
});

Deno.test("rdb: the Redis 7.4 fixture (RDB 12) survives a rewrite from values at version 12", async () => {
  const rewritten = await rewriteFromValues(await fixtureRdb("7.4.1"), 12);
  const entries = await entriesOf(rewritten);
  assertSameKeys(entries.map(canonicalFromRdb), await fixtureKeys("7.4.1"));
  const types = new Set(entries.map((e) => e.type));
  assert.ok(types.has(24), "hash with field TTLs written as type 24");
  assert.ok(types.has(21), "stream written as type 21");
});
