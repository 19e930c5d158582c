import assert from "node:assert/strict";
import { startCluster } from "./_util/cluster.ts";
import { beginSlotMove, slotOf, slotOwners } from "./_util/cluster_slots.ts";
import { integrationTest } from "./_util/integration.ts";
import { ioredisClient } from "./_util/clients.ts";
import { RawConnection } from "./_util/raw_connection.ts";
import { Sharded } from "./_util/ring.ts";

/** Keys of each node of the cluster, asked of the servers (KEYS answers for the node itself). */
async function keysByNode(ring: Sharded): Promise<Set<string>[]> {
  return await Promise.all(ring.nodes.map(async (_, i) => {
    await using client = ring.nodeClient(i);
    return new Set(await client.keys("*"));
  }));
}

integrationTest(
  "cluster: commands reach their slot's master; multi-key split by slot",
  async () => {
    await using cluster = await startCluster();
    await using ring = await Sharded.start({ cluster: cluster.nodes });
    await using client = ring.client();
    const keys = Array.from({ length: 200 }, (_, i) => `c:${i}`);
    for (const key of keys) assert.equal(await client.set(key, key), "OK");
    const owners = await slotOwners(ring);
    const byNode = await keysByNode(ring);
    for (const key of keys) assert.ok(byNode[owners[slotOf(key)]].has(key), `${key} on its master`);
    assert.equal(byNode.reduce((n, s) => n + s.size, 0), keys.length);
    assert.deepEqual(await client.mget(...keys.slice(0, 50)), keys.slice(0, 50));
    assert.equal(await client.mset("x:1", "1", "x:2", "2", "x:3", "3"), "OK");
    assert.equal(await client.exists("x:1", "x:2", "x:3", "nope"), 3);
    assert.equal(await client.del("x:1", "x:2", "x:3"), 3);
    // CROSSSLOT is by slot even when both slots are on one node, as in Redis Cluster.
    const sameNode = keys.find((k) =>
      slotOf(k) !== slotOf(keys[0]) && owners[slotOf(k)] === owners[slotOf(keys[0])]
    )!;
    await assert.rejects(client.rename(keys[0], sameNode), /CROSSSLOT/);
    assert.equal(
      await client.rename("{r}a", "{r}b").catch((e) => String(e)),
      "ReplyError: ERR no such key",
    );
    assert.equal(await client.dbsize(), keys.length);
    const seen = new Set<string>();
    let cursor = "0";
    do {
      const [next, found] = await client.scan(cursor, "COUNT", 50);
      for (const key of found) {
        assert.ok(!seen.has(key), `${key} returned twice`);
        seen.add(key);
      }
      cursor = next;
    } while (cursor !== "0");
    assert.equal(seen.size, keys.length);
    await using conn = await RawConnection.open(ring.proxy.port);
    assert.deepEqual(await conn.call(["MULTI"], ["INCR", "{t}n"], ["INCR", "{t}n"], ["EXEC"]), [
      "+OK\r\n",
      "+QUEUED\r\n",
      "+QUEUED\r\n",
      "*2\r\n:1\r\n:2\r\n",
    ]);
  },
);

integrationTest("cluster: MOVED after a slot moved by hand, ASK while it moves", async () => {
  await using cluster = await startCluster();
  await using ring = await Sharded.start({
    cluster: cluster.nodes,
    destination: 'CheckInterval = "1h"', // only redirections can teach the proxy the new map
  });
  await using client = ring.client();
  const owners = await slotOwners(ring);
  const moved = "moved-key";
  const slot = slotOf(moved);
  const from = owners[slot];
  const to = (from + 1) % ring.nodes.length;
  await client.set(moved, "v1");
  await client.set(`{${moved}}other`, "o");
  // ASK: the slot is migrating and one of its keys already left; the other is still here.
  const finish = await beginSlotMove(ring, slot, from, to, [moved]);
  assert.equal(await client.get(moved), "v1", "followed ASK to the importing node");
  assert.equal(await client.get(`{${moved}}other`), "o", "still served by the old node");
  await using oldNode = ring.nodeClient(from);
  await oldNode.migrate("127.0.0.1", ring.nodes[to].port, "", 0, 5000, "KEYS", `{${moved}}other`);
  assert.equal(await client.get(`{${moved}}other`), "o", "followed ASK for the second key too");
  await using importing = ring.nodeClient(to);
  const stats = String(await importing.info("commandstats"));
  assert.match(stats, /cmdstat_asking:calls=2,/, "both reads went there after ASKING");
  await finish();
  // MOVED: the old master now redirects; the proxy follows and remembers.
  assert.equal(await client.get(moved), "v1");
  assert.equal(await client.set(moved, "v2"), "OK");
  assert.equal(await importing.get(moved), "v2");
  const before = await metricOf(ring, "remiro_command_count");
  assert.equal(await client.get(moved), "v2");
  assert.equal(
    await metricOf(ring, "remiro_command_count") - before,
    1,
    "no MOVED the second time",
  );
});

async function metricOf(ring: Sharded, name: string): Promise<number> {
  const text = (await ring.proxy.metrics.render()).body;
  let total = 0;
  for (const line of text.split("\n")) {
    if (line.startsWith(name + " ") || line.startsWith(name + "{")) {
      total += Number(line.slice(line.lastIndexOf(" ") + 1));
    }
  }
  return total;
}

integrationTest("cluster: a migration from one Redis copies keys onto their masters", async () => {
  await using cluster = await startCluster();
  await using ring = await Sharded.start({ cluster: cluster.nodes, withSource: true });
  await using source = ioredisClient(ring.source!.port);
  const keys = Array.from({ length: 30 }, (_, i) => `legacy:${i}`);
  for (const key of keys) await source.set(key, `v-${key}`);
  await source.rpush("legacy:list", "a", "b");
  await using client = ring.client();
  for (const key of keys) assert.equal(await client.get(key), `v-${key}`);
  assert.deepEqual(await client.lrange("legacy:list", 0, -1), ["a", "b"]);
  const owners = await slotOwners(ring);
  const byNode = await keysByNode(ring);
  for (const key of [...keys, "legacy:list"]) {
    assert.ok(byNode[owners[slotOf(key)]].has(key), `${key} copied onto its master`);
  }
  assert.deepEqual(await client.mget(keys[0], keys[1], "legacy:none"), [
    `v-${keys[0]}`,
    `v-${keys[1]}`,
    null,
  ]);
  await source.set("legacy:fresh", "new");
  assert.equal(await client.dbsize(), keys.length + 2);
});
