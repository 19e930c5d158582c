/**
 * A migration whose `[Source]` is a ring (as twemproxy places keys) or a Redis Cluster, into
 * one server: reads copy each key from the node that holds it, deletes reach that node, and
 * DBSIZE, SCAN and the sweeper see every node.
 */
import assert from "node:assert/strict";
import { type RunningProxy, startProxy } from "../lib/cli/mod.ts";
import { parseConfig } from "../lib/config/mod.ts";
import { ketamaName, RingPlacement } from "../lib/shard/mod.ts";
import { ioredisClient } from "./_util/clients.ts";
import { startCluster } from "./_util/cluster.ts";
import { integrationTest } from "./_util/integration.ts";
import { RedisServer, waitFor } from "./_util/redis.ts";
import { Sharded } from "./_util/ring.ts";

const KEYS = 300;
const keyName = (i: number) => `legacy:${i}`;

/**
 * The migration proxy over `sourceSection` into `destination` (a server, or the lines of a
 * `[Destination]` section), until disposed.
 */
function migrationProxy(sourceSection: string, destination: RedisServer | string, more = "") {
  const into = typeof destination === "string" ? destination : `Addr = "${destination.addr}"`;
  const text = `${sourceSection}\n[Destination]\n${into}\n${more}`;
  const proxy = startProxy(parseConfig(text, "migrate.toml"), {
    host: "127.0.0.1",
    port: 0,
    instruPort: 0,
  });
  return Object.assign(proxy, { [Symbol.asyncDispose]: () => proxy.close() });
}

/** Waits for the proxy's migration sweeper to have walked the whole source without an error. */
async function sweepDone(proxy: RunningProxy) {
  await waitFor(() => proxy.sweeper?.progress.done === true, {
    timeoutMs: 30_000,
    message: "the sweeper did not finish",
  });
  assert.equal(proxy.sweeper!.progress.errors, 0);
}

/** Reads, writes, deletes, DBSIZE and SCAN through a proxy migrating the KEYS legacy keys. */
async function checkMigration(
  proxy: RunningProxy,
  destination: RedisServer,
  onSource: (key: string) => Promise<string | null>,
) {
  await using client = ioredisClient(proxy.port);
  assert.equal(await client.dbsize(), KEYS, "DBSIZE counts every node of the source");
  const scanned = new Set<string>();
  let cursor = "0";
  do {
    const [next, keys] = await client.scan(cursor, "COUNT", 50);
    for (const key of keys) scanned.add(key);
    cursor = next;
  } while (cursor !== "0");
  assert.equal(scanned.size, KEYS, "SCAN walks every node of the source");
  for (let i = 0; i < KEYS; i += 3) assert.equal(await client.get(keyName(i)), `v${i}`);
  await using dest = ioredisClient(destination.port);
  assert.equal(await dest.get(keyName(3)), "v3", "a read copied the key to the destination");
  assert.equal(await client.set(keyName(1), "new"), "OK");
  assert.equal(await client.get(keyName(1)), "new");
  assert.equal(await client.del(keyName(2)), 1);
  assert.equal(await onSource(keyName(2)), null, "the delete reached the key's source node");
  assert.equal(await client.get(keyName(2)), null, "a deleted key stays deleted");
  assert.equal(await client.dbsize(), KEYS - 1);
}

/** The KEYS legacy keys on `nodes`, placed as twemproxy (ketama, no weights) places them. */
async function fillRing(nodes: RedisServer[]) {
  const placement = new RingPlacement(
    nodes.map((n) => ({ addrText: n.addr, name: ketamaName(n.addr), weight: 1 })),
  );
  const ownerOf = (key: string) =>
    nodes[placement.nodeOfShard(placement.shardOf(new TextEncoder().encode(key)))];
  for (let i = 0; i < KEYS; i++) {
    await using node = ioredisClient(ownerOf(keyName(i)).port);
    await node.set(keyName(i), `v${i}`);
  }
  const counts = await Promise.all(nodes.map(async (n) => {
    await using node = ioredisClient(n.port);
    return await node.dbsize();
  }));
  assert.ok(counts.every((count) => count > 0), `keys on every node: ${counts}`);
  const section = `[Source]\nMode = "ring"\nAddrs = [${
    nodes.map((n) => `"${n.addr}"`).join(", ")
  }]`;
  return { ownerOf, section };
}

integrationTest(
  "migration from a ring: each key is read from and deleted on its node",
  async () => {
    await using n0 = await RedisServer.start();
    await using n1 = await RedisServer.start();
    await using n2 = await RedisServer.start();
    await using destination = await RedisServer.start();
    const { ownerOf, section } = await fillRing([n0, n1, n2]);
    await using proxy = migrationProxy(section, destination);
    await checkMigration(proxy, destination, async (key) => {
      await using node = ioredisClient(ownerOf(key).port);
      return await node.get(key);
    });
    const health = await fetch(`http://127.0.0.1:${proxy.instruPort}/health`);
    const body = await health.json();
    assert.equal(health.status, 200);
    assert.deepEqual(body.sourceRedis, { status: "OK" });
    assert.deepEqual(body[`sourceRedis ${n1.addr}`], { status: "OK" }, "each source node listed");
  },
);

integrationTest("a ring source placed otherwise is refused, not read as empty", async () => {
  await using n0 = await RedisServer.start();
  await using n1 = await RedisServer.start();
  await using destination = await RedisServer.start();
  // Keys alternate between the nodes, as a pool hashed otherwise (twemproxy's default
  // fnv1a_64) would spread them: about half are not where the ring places them.
  for (let i = 0; i < 40; i++) {
    await using node = ioredisClient((i % 2 ? n1 : n0).port);
    await node.set(keyName(i), `v${i}`);
  }
  const section = `[Source]\nMode = "ring"\nAddrs = ["${n0.addr}", "${n1.addr}"]`;
  await using proxy = migrationProxy(section, destination);
  await using client = ioredisClient(proxy.port);
  for (const i of [0, 1]) {
    await assert.rejects(
      client.get(keyName(i)),
      /upstream source unavailable: keys are not where the \[Source\] ring places them/,
      "a read that needs the source fails rather than answering nil",
    );
  }
  await assert.rejects(client.del(keyName(0)), /not where the \[Source\] ring places them/);
  await using node0 = ioredisClient(n0.port);
  assert.equal(await node0.get(keyName(0)), "v0", "the source kept its keys");
  // Keys already on the destination are served, and writes go there.
  assert.equal(await client.set("fresh", "1"), "OK");
  assert.equal(await client.get("fresh"), "1");
  const health = await fetch(`http://127.0.0.1:${proxy.instruPort}/health`);
  assert.equal(health.status, 500);
  const body = await health.json();
  assert.match(body.sourceRedis.error, /not where the \[Source\] ring places them/);
});

integrationTest("a ring source is checked in every database that holds keys", async () => {
  await using n0 = await RedisServer.start();
  await using n1 = await RedisServer.start();
  await using destination = await RedisServer.start();
  const { ownerOf, section } = await fillRing([n0, n1]);
  // Database 0 is placed right; one key of database 5 is on the other node.
  const stray = ownerOf(keyName(0)) === n0 ? n1 : n0;
  const misplaced = ioredisClient(stray.port);
  await misplaced.select(5);
  await misplaced.set(keyName(0), "elsewhere");
  misplaced.disconnect();
  await using proxy = migrationProxy(section, destination);
  await using client = ioredisClient(proxy.port);
  await assert.rejects(client.get(keyName(1)), /\(db 5\) is on /);
});

integrationTest(
  "a ring source whose user may not run INFO is checked in its database",
  async () => {
    await using n0 = await RedisServer.start();
    await using n1 = await RedisServer.start();
    await using destination = await RedisServer.start();
    const { section } = await fillRing([n0, n1]);
    // A read-only migration user: reads, SCAN, DUMP and the compare-and-delete script, no INFO.
    for (const node of [n0, n1]) {
      await using admin = ioredisClient(node.port);
      await admin.call("ACL", "SETUSER", "mover", "on", ">secret", "~*", "+@read", "+@keyspace");
      await admin.call("ACL", "SETUSER", "mover", "+eval", "+select", "-info");
    }
    const withUser = `${section}\nUsername = "mover"\nPassword = "secret"`;
    await using proxy = migrationProxy(withUser, destination);
    await using client = ioredisClient(proxy.port);
    assert.equal(await client.get(keyName(4)), "v4");
  },
);

integrationTest("migration from a Redis Cluster: reads, deletes and the sweeper", async () => {
  await using cluster = await startCluster();
  await using destination = await RedisServer.start();
  {
    // Written through a plain proxy over the cluster, which puts each key on its master.
    await using writer = await Sharded.start({ cluster: cluster.nodes });
    await using client = writer.client();
    for (let i = 0; i < KEYS; i++) await client.set(keyName(i), `v${i}`);
  }
  const seed = `[Source]\nMode = "cluster"\nAddrs = ["${cluster.nodes[0].addr}"]`;
  const onSource = async (key: string) => {
    await using reader = await Sharded.start({ cluster: cluster.nodes });
    await using client = reader.client();
    return await client.get(key);
  };
  {
    await using proxy = migrationProxy(seed, destination);
    await checkMigration(proxy, destination, onSource);
  }
  // The sweeper walks every master and moves what no client read.
  await using proxy = migrationProxy(seed, destination, "[Migration]\nSweep = true");
  await sweepDone(proxy);
  await using dest = ioredisClient(destination.port);
  assert.equal(await dest.dbsize(), KEYS - 1, "every key but the deleted one");
  assert.equal(await dest.get(keyName(1)), "new", "a newer value on the destination wins");
  assert.equal(await dest.exists(keyName(2)), 0, "the deleted key is not restored");
});

integrationTest(
  "migration from a ring into a Redis Cluster: keys land on their masters",
  async () => {
    await using n0 = await RedisServer.start();
    await using n1 = await RedisServer.start();
    await using cluster = await startCluster();
    const { section } = await fillRing([n0, n1]);
    const into = `Mode = "cluster"\nAddrs = ["${cluster.nodes[0].addr}"]`;
    await using proxy = migrationProxy(section, into, "[Migration]\nSweep = true");
    await using client = ioredisClient(proxy.port);
    assert.equal(await client.get(keyName(5)), "v5");
    await sweepDone(proxy);
    // Each master holds exactly the keys of its slots, and all of them are there.
    let total = 0;
    for (const node of cluster.nodes) {
      await using master = ioredisClient(node.port);
      const keys: string[] = await master.keys("*");
      total += keys.length;
      const lines = String(await master.cluster("NODES")).split("\n");
      const mine = lines.find((line) => line.includes("myself"))!;
      for (const key of keys) {
        const slot = Number(await master.cluster("KEYSLOT", key));
        assert.ok(ownsSlot(mine, slot), `${key} (slot ${slot}) on ${node.addr}`);
      }
    }
    assert.equal(total, KEYS);
    assert.equal(await client.dbsize(), KEYS);
  },
);

/** Whether a CLUSTER NODES line's slot ranges include `slot`. */
function ownsSlot(line: string, slot: number): boolean {
  return line.split(" ").slice(8).some((range) => {
    const [start, end = start] = range.split("-").map(Number);
    return slot >= start && slot <= end;
  });
}
