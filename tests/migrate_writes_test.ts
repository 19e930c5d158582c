import assert from "node:assert/strict";
import { integrationTest } from "./_util/integration.ts";
import { Migration } from "./_util/proxy.ts";

integrationTest("read-modify-writes copy the key first, then run on the destination", async () => {
  await using m = await Migration.start();
  await using src = m.sourceClient();
  await using dst = m.destinationClient();
  await using client = m.client();
  await src.set("counter", "41");
  await src.set("text", "hello");
  await src.rpush("list", "a");
  await src.hset("hash", "a", "1");
  assert.equal(await client.incr("counter"), 42);
  assert.equal(await client.append("text", " world"), 11);
  assert.equal(await client.lpush("list", "z"), 2);
  assert.equal(await client.hset("hash", "b", "2"), 1);
  assert.equal(await dst.get("counter"), "42");
  assert.equal(await dst.get("text"), "hello world");
  assert.deepEqual(await dst.lrange("list", 0, -1), ["z", "a"]);
  assert.deepEqual(await dst.hgetall("hash"), { a: "1", b: "2" });
  assert.equal(await src.get("counter"), "41", "the source is not written");
});

integrationTest("whole-value writes go to the destination only", async () => {
  await using m = await Migration.start();
  await using src = m.sourceClient();
  await using dst = m.destinationClient();
  await using client = m.client();
  await src.set("k", "old");
  assert.equal(await client.set("k", "new"), "OK");
  assert.equal(await client.mset({ m1: "a", m2: "b" }), "OK");
  assert.equal(await dst.get("k"), "new");
  assert.deepEqual(await dst.mget("m1", "m2"), ["a", "b"]);
  assert.equal(await src.get("k"), "old", "DeleteOnSet is off: the source keeps its copy");
  assert.equal(await m.metric("remiro_keys_copied_total"), 0, "nothing is copied for a SET");
  assert.equal(await client.get("k"), "new");
});

integrationTest("DeleteOnSet deletes the source copy after a whole-value write", async () => {
  await using m = await Migration.start({ deleteOnSet: true });
  await using src = m.sourceClient();
  await using client = m.client();
  await src.set("k", "old");
  await src.set("m1", "old");
  await client.set("k", "new");
  await client.mset({ m1: "a", m2: "b" });
  assert.equal(await src.exists("k", "m1"), 0);
});

integrationTest("SET NX and SET GET see a key that only the source has", async () => {
  await using m = await Migration.start();
  await using src = m.sourceClient();
  await using client = m.client();
  await src.set("k", "old");
  assert.equal(await client.set("k", "x", "NX"), null, "NX must fail: the key exists");
  assert.equal(await client.set("k", "new", "GET"), "old");
  assert.equal(await client.get("k"), "new");
});

integrationTest("DEL and UNLINK reach both servers and count keys in either", async () => {
  await using m = await Migration.start();
  await using src = m.sourceClient();
  await using dst = m.destinationClient();
  await using client = m.client();
  await src.set("only-source", "1");
  await dst.set("only-destination", "1");
  await src.set("both", "1");
  await dst.set("both", "2");
  assert.equal(await client.del("only-source", "only-destination", "both", "none"), 3);
  assert.equal(await src.exists("only-source", "both"), 0);
  assert.equal(await dst.exists("only-destination", "both"), 0);
  assert.equal(await client.get("only-source"), null, "a deleted key never comes back");
  await src.set("u", "1");
  assert.equal(await client.unlink("u", "u"), 1, "a key named twice counts once");
  assert.equal(await src.exists("u"), 0);
});

integrationTest("keys that expire or vanish on the destination do not come back", async () => {
  await using m = await Migration.start();
  await using src = m.sourceClient();
  await using client = m.client();
  await src.set("e", "v");
  await src.set("g", "v");
  await src.rpush("l", "only");
  await src.set("s", "v");
  assert.equal(await client.pexpire("e", 1), 1);
  assert.equal(await client.getdel("g"), "v");
  assert.equal(await client.lpop("l"), "only");
  assert.equal(await client.setex("s", 1, "short"), "OK");
  assert.equal(await src.exists("e", "g", "l", "s"), 0, "the source copies are retired");
  const deadline = Date.now() + 3000;
  while (Date.now() < deadline && (await client.exists("e", "s")) > 0) {
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.equal(await client.get("e"), null);
  assert.equal(await client.get("g"), null);
  assert.deepEqual(await client.lrange("l", 0, -1), []);
  assert.equal(await client.get("s"), null);
});

integrationTest("a newer write on the destination wins over a copy (RESTORE BUSYKEY)", async () => {
  await using m = await Migration.start();
  await using src = m.sourceClient();
  await using dst = m.destinationClient();
  await using client = m.client();
  await src.set("k", "old");
  await dst.set("k", "newer");
  assert.equal(await client.append("k", "!"), 6);
  assert.equal(await dst.get("k"), "newer!");
});

integrationTest("RENAME copies the source key and retires it", async () => {
  await using m = await Migration.start();
  await using src = m.sourceClient();
  await using dst = m.destinationClient();
  await using client = m.client();
  await src.set("from", "v", "EX", 100);
  assert.equal(await client.rename("from", "to"), "OK");
  assert.equal(await dst.get("to"), "v");
  assert.equal(await src.exists("from"), 0);
  assert.equal(await client.get("from"), null);
});

integrationTest("upstream error replies reach the client as they are", async () => {
  await using m = await Migration.start();
  await using src = m.sourceClient();
  await using client = m.client();
  await src.set("str", "x");
  await assert.rejects(client.lpush("str", "a"), /WRONGTYPE/);
  await assert.rejects(client.incr("str"), /ERR value is not an integer/);
  assert.equal(await client.get("str"), "x", "the client keeps working");
});

integrationTest(
  "a STORE command with an empty result does not bring the old key back",
  async () => {
    await using m = await Migration.start();
    await using src = m.sourceClient();
    await using client = m.client();
    await src.sadd("target", "old-member");
    assert.equal(await client.sunionstore("target", "missing-a", "missing-b"), 0);
    assert.equal(await client.exists("target"), 0, "the empty union deleted it");
    assert.deepEqual(await client.smembers("target"), [], "and the source copy stays gone");
    assert.equal(await src.exists("target"), 0);
  },
);
