/**
 * Scripts, functions and blocking commands in migration mode: their keys are copied to the
 * destination before they run there.
 */
import assert from "node:assert/strict";
import { integrationTest } from "./_util/integration.ts";
import { Migration } from "./_util/proxy.ts";

integrationTest("EVAL and FCALL see keys that are still on the source", async () => {
  await using m = await Migration.start();
  await using src = m.sourceClient();
  await using dst = m.destinationClient();
  await using client = m.client();
  await src.set("balance", "100");
  await src.rpush("jobs", "j1", "j2");
  const script = "return redis.call('INCRBY', KEYS[1], ARGV[1])";
  assert.equal(await client.eval(script, 1, "balance", "5"), 105);
  const sha = await client.script("LOAD", "return redis.call('LLEN', KEYS[1])") as string;
  assert.deepEqual(await client.script("EXISTS", sha, "0".repeat(40)), [1, 0]);
  assert.equal(await client.evalsha(sha, 1, "jobs"), 2);
  assert.equal(await dst.get("balance"), "105", "copied, then changed on the destination");
  await src.set("counter", "7");
  const library = "#!lua name=lib\n" +
    "redis.register_function('double', function(keys) " +
    "return redis.call('SET', keys[1], redis.call('GET', keys[1]) * 2) end)";
  assert.equal(await client.function("LOAD", library), "lib");
  assert.equal(await client.fcall("double", 1, "counter"), "OK");
  assert.equal(await client.get("counter"), "14");
});

integrationTest(
  "blocking commands copy their keys first and run on their own connection",
  async () => {
    await using m = await Migration.start();
    await using src = m.sourceClient();
    await using client = m.client();
    await using other = m.client();
    await src.rpush("queue", "from-source");
    assert.deepEqual(await client.blpop("queue", 1), ["queue", "from-source"]);
    assert.equal(await src.exists("queue"), 0, "the emptied list cannot come back from the source");
    await src.rpush("in", "x");
    assert.equal(await client.blmove("in", "out", "LEFT", "RIGHT", 1), "x");
    assert.deepEqual(await client.lrange("out", 0, -1), ["x"]);
    const waiting = client.brpop("empty", 5);
    for (let i = 0; i < 10; i++) assert.equal(await other.incr("busy"), i + 1);
    await other.lpush("empty", "woken");
    assert.deepEqual(await waiting, ["empty", "woken"]);
    assert.equal(await client.blpop("never", 0.1), null, "a timeout answers nil");
  },
);
