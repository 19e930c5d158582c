/**
 * Transactions through the proxy while a Redis Cluster's slot moves under them: the proxy's slot
 * map is stale (CheckInterval 1h), so only the redirections can teach it.
 */
import assert from "node:assert/strict";
import { startCluster } from "./_util/cluster.ts";
import { beginSlotMove, slotOf, slotOwners } from "./_util/cluster_slots.ts";
import { integrationTest } from "./_util/integration.ts";
import { RawConnection } from "./_util/raw_connection.ts";
import { Sharded } from "./_util/ring.ts";

const STALE_MAP = 'CheckInterval = "1h"';

/** A cluster behind the proxy, and a key whose slot is to move from its owner to another node. */
async function clusterWithKey(key: string) {
  const cluster = await startCluster();
  const ring = await Sharded.start({ cluster: cluster.nodes, destination: STALE_MAP });
  const slot = slotOf(key);
  const from = (await slotOwners(ring))[slot];
  const to = (from + 1) % ring.nodes.length;
  return {
    ring,
    slot,
    from,
    to,
    async [Symbol.asyncDispose]() {
      await ring[Symbol.asyncDispose]();
      await cluster[Symbol.asyncDispose]();
    },
  };
}

/** GET calls the node has served since its stats were reset. */
async function getCalls(ring: Sharded, node: number): Promise<number> {
  await using client = ring.nodeClient(node);
  const stats = String(await client.info("commandstats"));
  return Number(stats.match(/cmdstat_get:calls=(\d+)/)?.[1] ?? 0);
}

integrationTest("cluster: a transaction whose slot moved runs on the new owner", async () => {
  const key = "tx-moved";
  await using setup = await clusterWithKey(key);
  const { ring, slot, from, to } = setup;
  await using client = ring.client();
  await client.set(key, "v1");
  const finish = await beginSlotMove(ring, slot, from, to, [key]);
  await finish();
  // Pipelined: every command is sent to the old owner before its MOVED comes back.
  const results = await client.multi().get(key).set(key, "v2").incr(`{${key}}n`).exec();
  assert.deepEqual(results, [[null, "v1"], [null, "OK"], [null, 1]]);
  await using newOwner = ring.nodeClient(to);
  assert.equal(await newOwner.get(key), "v2");
  assert.equal(await newOwner.get(`{${key}}n`), "1");
  await using oldOwner = ring.nodeClient(from);
  assert.equal(await oldOwner.dbsize(), 0, "nothing ran on the old owner");
  // The MOVED taught the proxy the slot's owner: the next read goes straight there.
  await oldOwner.config("RESETSTAT");
  assert.equal(await client.get(key), "v2");
  assert.equal(await getCalls(ring, from), 0);
});

integrationTest(
  "cluster: a transaction sent a command at a time follows a moved slot",
  async () => {
    const key = "tx-stepwise";
    await using setup = await clusterWithKey(key);
    const { ring, slot, from, to } = setup;
    await (await beginSlotMove(ring, slot, from, to, []))();
    await using conn = await RawConnection.open(ring.proxy.port);
    // Each reply is read before the next command: the second SET is routed with the map the
    // first one's MOVED corrected, and must not be taken for another node's command.
    assert.deepEqual(await conn.call(["MULTI"]), ["+OK\r\n"]);
    assert.deepEqual(await conn.call(["SET", key, "a"]), ["+QUEUED\r\n"]);
    assert.deepEqual(await conn.call(["SET", `{${key}}b`, "b"]), ["+QUEUED\r\n"]);
    assert.deepEqual(await conn.call(["EXEC"]), ["*2\r\n+OK\r\n+OK\r\n"]);
    await using newOwner = ring.nodeClient(to);
    assert.deepEqual(await newOwner.mget(key, `{${key}}b`), ["a", "b"]);
  },
);

integrationTest(
  "cluster: MULTI to EXEC in one write, and a command after it, keep their order",
  async () => {
    const key = "tx-one-write";
    await using setup = await clusterWithKey(key);
    const { ring, slot, from, to } = setup;
    await (await beginSlotMove(ring, slot, from, to, []))();
    await using conn = await RawConnection.open(ring.proxy.port);
    // The MOVED and EXEC's EXECABORT arrive together; the transaction must still run again.
    const replies = await conn.call(["MULTI"], ["SET", key, "in-tx"], ["EXEC"]);
    assert.deepEqual(replies, ["+OK\r\n", "+QUEUED\r\n", "*1\r\n+OK\r\n"]);
    // The slot moves on again. A SET sent after EXEC goes to the new owner at once, since the
    // MOVED taught the proxy where the slot is; it must still run after the transaction.
    const third = 3 - from - to;
    await (await beginSlotMove(ring, slot, to, third, [key]))();
    await conn.call(["MULTI"], ["SET", key, "in-tx-2"]);
    const after = await conn.call(["EXEC"], ["SET", key, "after"], ["GET", key]);
    assert.deepEqual(after, ["*1\r\n+OK\r\n", "+OK\r\n", "$5\r\nafter\r\n"]);
    await using owner = ring.nodeClient(third);
    assert.equal(await owner.get(key), "after", "the write after EXEC is the last one");
  },
);

integrationTest("cluster: a transaction on a slot being migrated follows ASK", async () => {
  const key = "tx-ask";
  await using setup = await clusterWithKey(key);
  const { ring, slot, from, to } = setup;
  await using client = ring.client();
  await client.set(key, "v1");
  // The key already left for the importing node; the slot is still the old owner's.
  const finish = await beginSlotMove(ring, slot, from, to, [key]);
  const results = await client.multi().get(key).append(key, "+").exec();
  assert.deepEqual(results, [[null, "v1"], [null, 3]]);
  await finish();
  await using newOwner = ring.nodeClient(to);
  assert.equal(await newOwner.get(key), "v1+", "the transaction ran on the importing node");
});

integrationTest("cluster: a transaction split by a slot migration gets TRYAGAIN", async () => {
  const key = "tx-split";
  await using setup = await clusterWithKey(key);
  const { ring, slot, from, to } = setup;
  await using client = ring.client();
  await client.set(key, "moving");
  await client.set(`{${key}}stays`, "here");
  // One key left for the importing node, the other is still on the migrating one.
  const finish = await beginSlotMove(ring, slot, from, to, [key]);
  await using conn = await RawConnection.open(ring.proxy.port);
  const replies = await conn.call(
    ["MULTI"],
    ["SET", `{${key}}stays`, "changed"],
    ["SET", key, "changed"],
    ["EXEC"],
  );
  assert.match(replies[3], /^-TRYAGAIN /);
  await using oldOwner = ring.nodeClient(from);
  assert.equal(await oldOwner.get(`{${key}}stays`), "here", "nothing ran");
  await oldOwner.migrate("127.0.0.1", ring.nodes[to].port, "", 0, 5000, "KEYS", `{${key}}stays`);
  await finish();
  await using newOwner = ring.nodeClient(to);
  assert.deepEqual(await newOwner.mget(key, `{${key}}stays`), ["moving", "here"], "nothing ran");
});

integrationTest("cluster: after WATCH, a moved slot's transaction is not run again", async () => {
  const key = "tx-watched";
  await using setup = await clusterWithKey(key);
  const { ring, slot, from, to } = setup;
  await using client = ring.client();
  await client.set(key, "v1");
  await (await beginSlotMove(ring, slot, from, to, [key]))();
  await using conn = await RawConnection.open(ring.proxy.port);
  // The keys were watched on the old owner, so the redirection is the client's to see; the
  // proxy still learns from it, and the client's retry runs on the new owner.
  const [watched] = await conn.call(["WATCH", key]);
  assert.match(watched, /^-MOVED \d+ /);
  assert.deepEqual(await conn.call(["UNWATCH"]), ["+OK\r\n"]);
  const retry = await conn.call(["WATCH", key], ["MULTI"], ["SET", key, "v2"], ["EXEC"]);
  assert.deepEqual(retry, ["+OK\r\n", "+OK\r\n", "+QUEUED\r\n", "*1\r\n+OK\r\n"]);
  await using newOwner = ring.nodeClient(to);
  assert.equal(await newOwner.get(key), "v2");
});
