/** The migration sweeper into a ring and into a Redis Cluster: each key lands on its owner. */
import assert from "node:assert/strict";
import { parseConfig } from "../lib/config/mod.ts";
import { startCluster } from "./_util/cluster.ts";
import { beginSlotMove, slotOf, slotOwners } from "./_util/cluster_slots.ts";
import { ioredisClient } from "./_util/clients.ts";
import { integrationTest } from "./_util/integration.ts";
import { waitFor } from "./_util/redis.ts";
import { Sharded } from "./_util/ring.ts";

const KEYS = 3000;
const SWEEP = '[Migration]\nSweep = true\nRate = 100000\nMatch = "legacy:*"';

/** Fills the source, waits for the sweeper to finish, and checks where every key went. */
async function sweepAndCheck(ring: Sharded, owners: (keys: string[]) => Promise<number[]>) {
  await using source = ioredisClient(ring.source!.port);
  const fill = source.pipeline();
  for (let i = 0; i < KEYS; i++) fill.set(`legacy:${i}`, `v${i}`);
  fill.set("other", "stays");
  await fill.exec();
  // The sweep began when the proxy started, before the source was filled: a reload with new
  // [Migration] settings starts it again over everything now there.
  const text = ring.configText(ring.nodes).replace("Rate = 100000", "Rate = 50000");
  await ring.proxy.reload(parseConfig(text, "sharded.toml"));
  await waitFor(() => ring.proxy.sweeper?.progress.done === true, {
    timeoutMs: 30_000,
    message: "the sweeper did not finish",
  });
  const progress = ring.proxy.sweeper!.progress;
  assert.deepEqual([progress.scanned, progress.moved, progress.errors], [KEYS, KEYS, 0]);
  const keys = Array.from({ length: KEYS }, (_, i) => `legacy:${i}`);
  const expected = await owners(keys);
  const byNode = await Promise.all(ring.nodes.map(async (_, n) => {
    await using node = ring.nodeClient(n);
    return new Set(await node.keys("*"));
  }));
  keys.forEach((key, i) => {
    const holders = byNode.flatMap((set, n) => set.has(key) ? [n] : []);
    assert.deepEqual(holders, [expected[i]], `${key} only on its owner`);
  });
  assert.ok(byNode.every((set) => !set.has("other")), "keys outside Match stay behind");
  await using client = ring.client();
  assert.equal(await client.get("legacy:7"), "v7");
}

integrationTest("migration sweeper into a ring moves every key to its owner", async () => {
  await using ring = await Sharded.start({ withSource: true, top: SWEEP });
  await sweepAndCheck(ring, (keys) => Promise.resolve(keys.map((key) => ring.ownerIndex(key))));
});

integrationTest(
  "migration sweeper into a Redis Cluster moves every key to its master",
  async () => {
    await using cluster = await startCluster();
    await using ring = await Sharded.start({
      cluster: cluster.nodes,
      withSource: true,
      top: SWEEP,
      destination: 'CheckInterval = "1h"',
    });
    // A slot moves after the proxy read the map: its keys' RESTOREs get MOVED, and follow it.
    const slot = slotOf("legacy:0");
    const from = (await slotOwners(ring))[slot];
    await (await beginSlotMove(ring, slot, from, (from + 1) % 3, []))();
    await sweepAndCheck(ring, async (keys) => {
      const owners = await slotOwners(ring);
      return keys.map((key) => owners[slotOf(key)]);
    });
  },
);
