/**
 * MULTI/EXEC/DISCARD and WATCH/UNWATCH through the proxy, in plain and migration mode, with
 * ioredis (which pipelines a whole transaction in one write) and redis-cli.
 */
import assert from "node:assert/strict";
import { integrationTest } from "./_util/integration.ts";
import { redisCli } from "./_util/clients.ts";
import { Migration } from "./_util/proxy.ts";
import { RedisServer } from "./_util/redis.ts";

/** Runs the same redis-cli script against the proxy and a fresh Redis; the output must match. */
async function assertCliSameAsRedis(proxyPort: number, script: string): Promise<string[]> {
  await using redis = await RedisServer.start();
  const [viaProxy, direct] = await Promise.all([
    redisCli(proxyPort, [], { stdin: script }),
    redisCli(redis.port, [], { stdin: script }),
  ]);
  assert.equal(viaProxy.stdout, direct.stdout, script);
  return viaProxy.stdout.split("\n");
}

for (const withSource of [false, true]) {
  const mode = withSource ? "migration" : "plain";

  integrationTest(`${mode}: MULTI/EXEC runs atomically and answers like Redis`, async () => {
    await using m = await Migration.start({ withSource });
    await using client = m.client();
    const results = await client.multi().set("a", "1").incr("a").get("a").lpush("l", "x").exec();
    assert.deepEqual(results, [[null, "OK"], [null, 2], [null, "2"], [null, 1]]);
    // Errors at run time are per command, the rest still runs.
    const mixed = await client.multi().incr("l").incr("a").exec();
    assert.match(String(mixed?.[0][0]), /WRONGTYPE/);
    assert.deepEqual(mixed?.[1], [null, 3]);
    assert.equal(
      await client.discard().catch((e: Error) => e.message),
      "ERR DISCARD without MULTI",
    );
    await assert.rejects(client.exec(), /ERR EXEC without MULTI/);
  });

  integrationTest(`${mode}: a queue-time error aborts EXEC with EXECABORT`, async () => {
    await using m = await Migration.start({ withSource });
    await using client = m.client();
    const aborted = await client.multi().set("k", "v").call("NOSUCHCOMMAND").exec().catch((
      e: Error,
    ) => e.message);
    assert.match(String(aborted), /EXECABORT/);
    assert.equal(await client.get("k"), null, "nothing of an aborted transaction ran");
    await assertCliSameAsRedis(m.proxy.port, "MULTI\nSET k v\nGET\nEXEC\nGET k\n");
    // Connection commands the proxy answers itself cannot be queued upstream: refused, and
    // the transaction is discarded.
    const refused = await redisCli(m.proxy.port, [], {
      stdin: "MULTI\nSET k v\nCLIENT SETNAME x\nEXEC\nGET k\n",
    });
    const lines = refused.stdout.split("\n").filter((line) => line !== "");
    assert.deepEqual(lines.slice(0, 2), ["OK", "QUEUED"]);
    assert.match(lines[2], /ERR 'client' inside MULTI is not supported by remiro/);
    assert.match(lines[3], /EXECABORT/);
    assert.equal(lines.length, 4, "GET k: nil");
  });

  integrationTest(`${mode}: DISCARD drops the queue and the client goes on`, async () => {
    await using m = await Migration.start({ withSource });
    const lines = await assertCliSameAsRedis(
      m.proxy.port,
      "MULTI\nSET k v\nDISCARD\nGET k\nMULTI\nMULTI\nPING\nEXEC\n",
    );
    assert.ok(lines.includes("ERR MULTI calls can not be nested"));
  });

  integrationTest(`${mode}: WATCH aborts EXEC when another client changes the key`, async () => {
    await using m = await Migration.start({ withSource });
    await using client = m.client();
    await using other = m.client();
    await client.set("balance", "10");
    await client.watch("balance");
    await other.set("balance", "20");
    const aborted = await client.multi().set("balance", "0").exec();
    assert.equal(aborted, null, "EXEC returns nil when a watched key changed");
    assert.equal(await client.get("balance"), "20");
    // Untouched: the transaction runs.
    await client.watch("balance");
    assert.deepEqual(await client.multi().incr("balance").exec(), [[null, 21]]);
    // UNWATCH forgets the watch.
    await client.watch("balance");
    await other.set("balance", "5");
    assert.equal(await client.unwatch(), "OK");
    assert.deepEqual(await client.multi().incr("balance").exec(), [[null, 6]]);
  });

  integrationTest(`${mode}: SELECT inside MULTI takes effect at EXEC`, async () => {
    await using m = await Migration.start({ withSource });
    const lines = await assertCliSameAsRedis(
      m.proxy.port,
      "MULTI\nSELECT 2\nSET k in-db-2\nEXEC\nGET k\nSELECT 0\nGET k\n",
    );
    assert.deepEqual(lines.slice(3, 6), ["OK", "OK", "in-db-2"], "EXEC's replies, then GET k");
  });
}

integrationTest(
  "migration: every key a transaction names is on the destination before EXEC",
  async () => {
    await using m = await Migration.start();
    await using src = m.sourceClient();
    await using dst = m.destinationClient();
    await using client = m.client();
    await src.set("counter", "41");
    await src.rpush("queue", "a", "b");
    await src.set("doomed", "x");
    await src.set("other", "y");
    const results = await client.multi()
      .incr("counter")
      .rpoplpush("queue", "done")
      .del("doomed", "other", "never-existed")
      .exec();
    assert.deepEqual(results, [[null, 42], [null, "b"], [null, 2]]);
    assert.equal(await dst.get("counter"), "42");
    assert.deepEqual(await dst.lrange("done", 0, -1), ["b"]);
    assert.equal(await client.exists("doomed", "other"), 0, "deleted keys stay deleted");
    assert.equal(await src.exists("doomed", "other"), 0, "no source copy can bring them back");
  },
);

integrationTest(
  "migration: WATCH on a key still on the source sees other clients' writes",
  async () => {
    await using m = await Migration.start();
    await using src = m.sourceClient();
    await using client = m.client();
    await using other = m.client();
    await src.set("stock", "3");
    await client.watch("stock");
    assert.equal(await other.decr("stock"), 2);
    assert.equal(await client.multi().decr("stock").exec(), null);
    await client.watch("stock");
    assert.equal(await client.get("stock"), "2");
    assert.deepEqual(await client.multi().decr("stock").exec(), [[null, 1]]);
  },
);

integrationTest("transactions of many clients at once each get their own connection", async () => {
  await using m = await Migration.start();
  const clients = Array.from({ length: 20 }, () => m.client());
  try {
    await Promise.all(clients.map(async (client, i) => {
      for (let round = 0; round < 10; round++) {
        const results = await client.multi().incr("total").incr(`own:${i}`).exec();
        assert.equal(results?.[1][1], round + 1);
      }
    }));
    assert.equal(await clients[0].get("total"), "200");
  } finally {
    await Promise.all(clients.map((c) => c[Symbol.asyncDispose]()));
  }
});
