import assert from "node:assert/strict";
import { integrationTest } from "./_util/integration.ts";
import { Migration } from "./_util/proxy.ts";

integrationTest("a read copies a string from the source, with its TTL", async () => {
  await using m = await Migration.start();
  await using src = m.sourceClient();
  await using dst = m.destinationClient();
  await using client = m.client();
  await src.set("k", "from-source", "PX", 60_000);
  assert.equal(await client.get("k"), "from-source");
  assert.equal(await dst.get("k"), "from-source");
  const ttl = await dst.pttl("k");
  assert.ok(ttl > 55_000 && ttl <= 60_000, `ttl ${ttl}`);
  assert.equal(await src.get("k"), "from-source", "DeleteOnGet is off: the source keeps it");
  assert.equal(await m.metric("remiro_keys_copied_total"), 1);
});

integrationTest("reads copy every data type intact", async () => {
  await using m = await Migration.start();
  await using src = m.sourceClient();
  await using dst = m.destinationClient();
  await using client = m.client();
  await src.rpush("list", "a", "b", "c");
  await src.hset("hash", { f1: "v1", f2: "v2" });
  await src.sadd("set", "x", "y");
  await src.zadd("zset", 1, "one", 2, "two");
  await src.xadd("stream", "1-1", "field", "value");
  await src.pfadd("hll", "a", "b");
  await src.set("persistent", "p");
  assert.deepEqual(await client.lrange("list", 0, -1), ["a", "b", "c"]);
  assert.deepEqual(await client.hgetall("hash"), { f1: "v1", f2: "v2" });
  assert.deepEqual((await client.smembers("set")).sort(), ["x", "y"]);
  assert.deepEqual(await client.zrange("zset", 0, -1, "WITHSCORES"), ["one", "1", "two", "2"]);
  assert.deepEqual(await client.xrange("stream", "-", "+"), [["1-1", ["field", "value"]]]);
  assert.equal(await client.pfcount("hll"), 2);
  assert.equal(await client.get("persistent"), "p");
  assert.equal(await client.ttl("persistent"), -1, "no TTL stays no TTL");
  for (const key of ["list", "hash", "set", "zset", "stream", "hll", "persistent"]) {
    assert.equal(await dst.exists(key), 1, `${key} copied to the destination`);
    assert.equal(await dst.type(key), await src.type(key));
  }
  assert.equal(await dst.ttl("persistent"), -1);
});

integrationTest("a key on the destination is served from it, never from the source", async () => {
  await using m = await Migration.start();
  await using src = m.sourceClient();
  await using dst = m.destinationClient();
  await using client = m.client();
  await src.set("k", "old");
  await dst.set("k", "new");
  assert.equal(await client.get("k"), "new");
  assert.equal(await m.metric("remiro_keys_copied_total"), 0);
});

integrationTest("a key in neither server is a plain miss", async () => {
  await using m = await Migration.start();
  await using dst = m.destinationClient();
  await using client = m.client();
  assert.equal(await client.get("nothing"), null);
  assert.deepEqual(await client.lrange("nothing", 0, -1), []);
  assert.equal(await dst.exists("nothing"), 0);
  assert.equal(await m.metric("remiro_copy_misses_total"), 2);
});

integrationTest("multi-key reads copy each missing key", async () => {
  await using m = await Migration.start();
  await using src = m.sourceClient();
  await using dst = m.destinationClient();
  await using client = m.client();
  await src.mset({ a: "1", b: "2" });
  await dst.set("c", "3");
  assert.deepEqual(await client.mget("a", "b", "c", "d"), ["1", "2", "3", null]);
  assert.deepEqual(await dst.mget("a", "b"), ["1", "2"]);
  assert.equal(await client.exists("a", "b", "c", "d"), 3);
});

integrationTest("DeleteOnGet removes the source copy after copying", async () => {
  await using m = await Migration.start({ deleteOnGet: true });
  await using src = m.sourceClient();
  await using dst = m.destinationClient();
  await using client = m.client();
  await src.hset("h", "f", "v");
  assert.equal(await client.hget("h", "f"), "v");
  assert.equal(await src.exists("h"), 0);
  assert.equal(await dst.hget("h", "f"), "v");
  assert.equal(await m.metric("remiro_source_deletions_total"), 1);
});

integrationTest("DeleteOnGet never deletes a source value newer than the copy", async () => {
  await using m = await Migration.start({ deleteOnGet: true });
  await using src = m.sourceClient();
  // Compare-and-delete is what protects a newer source write: run it by hand against a
  // changed value, as the proxy would if a write slipped in between DUMP and the delete.
  await src.set("k", "v1");
  const payload = await src.dumpBuffer("k");
  await src.set("k", "v2");
  const { COMPARE_AND_DELETE_SCRIPT } = await import("../lib/migrate/mod.ts");
  assert.equal(await src.eval(COMPARE_AND_DELETE_SCRIPT, 1, "k", payload), 0);
  assert.equal(await src.get("k"), "v2");
  await src.set("k", "v1");
  const same = await src.dumpBuffer("k");
  assert.equal(await src.eval(COMPARE_AND_DELETE_SCRIPT, 1, "k", same), 1);
});

integrationTest("EXISTS, TYPE and TTL answer for both servers without copying", async () => {
  await using m = await Migration.start();
  await using src = m.sourceClient();
  await using dst = m.destinationClient();
  await using client = m.client();
  await src.set("old", "1", "EX", 1000);
  await src.rpush("list", "a");
  await src.set("both", "source copy");
  await dst.hset("both", { f: "v" });
  await dst.set("new", "2");
  assert.equal(await client.exists("old", "new", "both", "none", "old"), 4);
  assert.equal(await client.type("list"), "list");
  assert.equal(await client.type("both"), "hash", "the destination's key wins");
  assert.equal(await client.type("none"), "none");
  assert.ok((await client.ttl("old")) > 990);
  assert.equal(await client.pttl("none"), -2);
  assert.equal(await client.ttl("new"), -1);
  assert.equal(await dst.exists("old", "list"), 0, "nothing was copied");
  assert.equal(await m.metric("remiro_keys_copied_total"), 0);
});
