import assert from "node:assert/strict";
import { integrationTest } from "./_util/integration.ts";
import { waitFor } from "./_util/redis.ts";
import { ioredisClient as client } from "./_util/clients.ts";
import { startMaster, startReplicaOf, startReshard } from "./_util/reshard.ts";

integrationTest(
  "reshard: the seed's example splits apple and banana into two replicas, live",
  async () => {
    await using master = await startMaster();
    await using redis = client(master.port);
    await redis.set("apple", "red");
    await redis.set("banana", "yellow");
    await redis.set("cucumber", "green");
    await using proxyA = await startReshard(master, { include: /^a.*/ });
    await using proxyB = await startReshard(master, { include: /^b.*/ });
    await using replicaA = await startReplicaOf(proxyA.port);
    await using replicaB = await startReplicaOf(proxyB.port);
    await using a = client(replicaA.port);
    await using b = client(replicaB.port);
    assert.deepEqual(await a.keys("*"), ["apple"]);
    assert.equal(await a.get("apple"), "red");
    assert.deepEqual(await b.keys("*"), ["banana"]);
    assert.equal(await b.get("banana"), "yellow");

    await redis.set("avocado", "green");
    await redis.del("apple", "banana");
    await redis.set("blueberry", "blue");
    await waitFor(async () => (await a.keys("*")).join() === "avocado", {
      message: "live writes reach replica A",
    });
    await waitFor(async () => (await b.keys("*")).join() === "blueberry", {
      message: "live writes reach replica B",
    });
    assert.equal(await a.get("avocado"), "green");
  },
);
