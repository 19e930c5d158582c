/**
 * DBSIZE, KEYS, SCAN and RANDOMKEY in migration mode answer for both servers, a key on both
 * counting once, and copy nothing.
 */
import assert from "node:assert/strict";
import { integrationTest } from "./_util/integration.ts";
import { Migration } from "./_util/proxy.ts";

async function seeded() {
  const m = await Migration.start();
  const src = m.sourceClient();
  const dst = m.destinationClient();
  for (let i = 0; i < 300; i++) await src.set(`old:${i}`, "v");
  await src.hset("h:old", { f: "v" });
  for (let i = 0; i < 200; i++) await dst.set(`new:${i}`, "v");
  await src.set("both", "source copy");
  await dst.set("both", "destination");
  return {
    m,
    async [Symbol.asyncDispose]() {
      await src[Symbol.asyncDispose]();
      await dst[Symbol.asyncDispose]();
      await m[Symbol.asyncDispose]();
    },
  };
}

integrationTest("DBSIZE and KEYS count a key on both servers once", async () => {
  await using s = await seeded();
  await using client = s.m.client();
  assert.equal(await client.dbsize(), 502);
  const keys = await client.keys("*");
  assert.equal(keys.length, 502);
  assert.equal(new Set(keys).size, 502);
  assert.deepEqual(await client.keys("h:*"), ["h:old"]);
  assert.equal(await s.m.metric("remiro_keys_copied_total"), 0, "nothing copied");
});

integrationTest("SCAN walks both servers with one cursor, MATCH, COUNT and TYPE", async () => {
  await using s = await seeded();
  await using client = s.m.client();
  const seen: string[] = [];
  let cursor = "0";
  do {
    const [next, page] = await client.scan(cursor, "COUNT", 50);
    seen.push(...page);
    cursor = next;
  } while (cursor !== "0");
  assert.equal(seen.length, 502, "every key once");
  assert.equal(new Set(seen).size, 502);
  const hashes: string[] = [];
  cursor = "0";
  do {
    const [next, page] = await client.scan(cursor, "MATCH", "h:*", "TYPE", "hash");
    hashes.push(...page);
    cursor = next;
  } while (cursor !== "0");
  assert.deepEqual(hashes, ["h:old"]);
  await assert.rejects(client.scan("abc"), /ERR invalid cursor/);
  await assert.rejects(client.scan("0", "COUNT", "x"), /ERR value is not an integer/);
  assert.equal(await s.m.metric("remiro_keys_copied_total"), 0, "nothing copied");
});

integrationTest(
  "RANDOMKEY picks from either server and is nil only when both are empty",
  async () => {
    await using m = await Migration.start();
    await using src = m.sourceClient();
    await using client = m.client();
    assert.equal(await client.randomkey(), null);
    await src.set("only-on-source", "v");
    assert.equal(await client.randomkey(), "only-on-source");
  },
);
