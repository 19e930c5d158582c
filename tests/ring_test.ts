import assert from "node:assert/strict";
import { startTwemproxy } from "../bench/peers.ts";
import { parseConfig } from "../lib/config/mod.ts";
import { ketamaName, RingPlacement } from "../lib/shard/mod.ts";
import { ioredisClient } from "./_util/clients.ts";
import { integrationTest } from "./_util/integration.ts";
import { RawConnection } from "./_util/raw_connection.ts";
import { waitFor } from "./_util/redis.ts";
import { Sharded } from "./_util/ring.ts";

const encoder = new TextEncoder();

/** The ring the proxy builds for these servers, to tell where a key belongs. */
function placementOf(ring: Sharded): RingPlacement {
  return new RingPlacement(
    ring.nodes.map((n) => ({ addrText: n.addr, name: ketamaName(n.addr), weight: 1 })),
  );
}

function owner(ring: Sharded, key: string): number {
  const placement = placementOf(ring);
  return placement.nodeOfShard(placement.shardOf(encoder.encode(key)));
}

/** Keys of each node, asked of the servers. */
async function keysByNode(ring: Sharded): Promise<Set<string>[]> {
  return await Promise.all(ring.nodes.map(async (_, i) => {
    await using client = ring.nodeClient(i);
    return new Set(await client.keys("*"));
  }));
}

integrationTest("keys land where nutcracker (ketama, md5) puts them", async () => {
  await using ring = await Sharded.start();
  const twemproxy = await startTwemproxy(ring.nodes);
  assert.ok(twemproxy, "nutcracker is installed");
  const keys = Array.from(
    { length: 3000 },
    (_, i) => i % 10 === 0 ? `{tag${i % 70}}:${i}` : `k:${i}`,
  );
  try {
    // ioredis sends CLIENT SETINFO, which nutcracker answers by closing the connection.
    await using viaTwemproxy = await RawConnection.open(twemproxy.port);
    const replies = await viaTwemproxy.call(...keys.map((key) => ["SET", key, "twemproxy"]));
    assert.ok(replies.every((r) => r === "+OK\r\n"));
  } finally {
    await twemproxy.stop();
  }
  const byNode = await keysByNode(ring);
  assert.equal(byNode.reduce((n, s) => n + s.size, 0), keys.length);
  const mismatched = keys.filter((key) => !byNode[owner(ring, key)].has(key));
  assert.deepEqual(mismatched, [], "the ring places keys as nutcracker does");
  // The proxy overwrites each key on the node nutcracker chose: no key appears twice.
  await using client = ring.client();
  const pipeline = client.pipeline();
  for (const key of keys) pipeline.set(key, "remiro");
  await pipeline.exec();
  const after = await keysByNode(ring);
  assert.deepEqual(after.map((s) => s.size), byNode.map((s) => s.size));
  for (let i = 0; i < ring.nodes.length; i++) {
    await using node = ring.nodeClient(i);
    const sample = [...after[i]].slice(0, 50);
    if (sample.length) assert.deepEqual(new Set(await node.mget(sample)), new Set(["remiro"]));
  }
});

integrationTest("hash tags and hash= put keys together; hash==x escapes a value", async () => {
  await using ring = await Sharded.start();
  await using client = ring.client();
  const tagged = Array.from({ length: 20 }, (_, i) => `{user:7}:field${i}`);
  for (const key of tagged) await client.set(key, "v");
  const holders = new Set((await Promise.all(tagged.map((k) => ring.holder(k)))).flat());
  assert.equal(holders.size, 1, "one node holds every key of a hash tag");
  // hash=KEY chooses the node and is not sent: the value stored is "1".
  const anchors = ["a1", "a2", "a3", "a4", "a5", "a6"];
  for (const anchor of anchors) {
    await client.call("SET", `by-${anchor}`, "1", `hash=${anchor}`);
    await client.set(anchor, "anchor");
    assert.deepEqual(await ring.holder(`by-${anchor}`), await ring.holder(anchor));
    assert.equal(await client.call("GET", `by-${anchor}`, `hash=${anchor}`), "1");
  }
  assert.ok(
    anchors.some((a) => owner(ring, `by-${a}`) !== owner(ring, a)),
    "some keys were placed by hash= rather than by their own name",
  );
  await client.call("SET", "escaped", "hash==x");
  assert.equal(await client.get("escaped"), "hash=x");
  const [node] = await ring.holder("escaped");
  await using direct = ring.nodeClient(node);
  assert.equal(await direct.get("escaped"), "hash=x");
});

integrationTest("MGET/MSET/DEL/EXISTS are split per node and joined in order", async () => {
  await using ring = await Sharded.start();
  await using client = ring.client();
  const keys = Array.from({ length: 30 }, (_, i) => `m${i}`);
  assert.ok(new Set(keys.map((k) => owner(ring, k))).size === 3, "the keys span every node");
  assert.equal(await client.mset(...keys.flatMap((k) => [k, `v-${k}`])), "OK");
  const found = await client.mget(...keys.slice(0, 10), "missing", ...keys.slice(10));
  assert.deepEqual(found, [
    ...keys.slice(0, 10).map((k) => `v-${k}`),
    null,
    ...keys.slice(10).map((k) => `v-${k}`),
  ]);
  for (const key of keys) assert.deepEqual(await ring.holder(key), [owner(ring, key)]);
  assert.equal(await client.exists(keys[0], keys[1], keys[0], "missing", keys[29]), 4);
  assert.equal(await client.touch(...keys.slice(0, 5)), 5);
  assert.equal(await client.del(...keys.slice(0, 15), "missing"), 15);
  assert.equal(await client.unlink(...keys.slice(15)), 15);
  assert.equal(await client.exists(...keys), 0);
  // Nodes listen on free ports, so which keys share a node changes from run to run: take two
  // that do not.
  const apart = keys.find((k) => owner(ring, k) !== owner(ring, keys[0]))!;
  await assert.rejects(client.msetnx(keys[0], "a", apart, "b"), /CROSSSLOT/);
  assert.equal(await client.msetnx("{g}1", "a", "{g}2", "b"), 1);
});

integrationTest("commands that cannot be split need their keys on one node", async () => {
  await using ring = await Sharded.start();
  await using client = ring.client();
  const [a, b] = ["r0", "r1", "r2", "r3", "r4", "r5"].reduce<string[]>(
    (pair, key) =>
      pair.length === 2 || pair.some((k) => owner(ring, k) === owner(ring, key))
        ? pair
        : [...pair, key],
    [],
  );
  await client.set(a, "x");
  await assert.rejects(
    client.rename(a, b),
    /^ReplyError: CROSSSLOT Keys in request don't hash to the same slot/,
  );
  await assert.rejects(client.sunionstore(a, b, "{z}"), /CROSSSLOT/);
  await assert.rejects(client.eval("return 1", 2, a, b), /CROSSSLOT/);
  await client.set("{acct}:from", "x");
  assert.equal(await client.rename("{acct}:from", "{acct}:to"), "OK");
  assert.equal(await client.get("{acct}:to"), "x");
  assert.equal(await client.eval("return redis.call('GET', KEYS[1])", 1, "{acct}:to"), "x");
});

integrationTest("SCAN returns every key once; DBSIZE sums; KEYS merges", async () => {
  await using ring = await Sharded.start();
  await using client = ring.client();
  const total = 10_000;
  const pipeline = client.pipeline();
  for (let i = 0; i < total; i++) pipeline.set(`s:${i}`, "v");
  await pipeline.exec();
  const sizes = await Promise.all(ring.nodes.map(async (_, i) => {
    await using node = ring.nodeClient(i);
    return await node.dbsize();
  }));
  assert.ok(sizes.every((n) => n > 0));
  assert.equal(await client.dbsize(), total);
  const seen = new Map<string, number>();
  let cursor = "0";
  let calls = 0;
  do {
    const [next, keys] = await client.scan(cursor, "COUNT", 500);
    for (const key of keys) seen.set(key, (seen.get(key) ?? 0) + 1);
    cursor = next;
    calls++;
  } while (cursor !== "0");
  assert.equal(seen.size, total);
  assert.ok([...seen.values()].every((n) => n === 1), "no key returned twice");
  assert.ok(calls > 3);
  assert.equal((await client.keys("s:*")).length, total);
  assert.equal((await client.keys("s:12*")).length, 111);
  await assert.rejects(client.scan("x"), /invalid cursor/);
  assert.match(String(await client.randomkey()), /^s:\d+$/);
});

integrationTest("a pipeline of 1000 mixed commands keeps its order", async () => {
  await using ring = await Sharded.start();
  await using client = ring.client();
  const pipeline = client.pipeline();
  const expected: unknown[] = [];
  for (let i = 0; i < 250; i++) {
    pipeline.set(`p${i}`, `${i}`);
    expected.push("OK");
    pipeline.incr(`c${i % 7}`);
    expected.push(Math.floor(i / 7) + 1);
    pipeline.get(`p${i}`);
    expected.push(`${i}`);
    pipeline.mget(`p${i}`, `p${Math.max(0, i - 1)}`, "none");
    expected.push([`${i}`, `${Math.max(0, i - 1)}`, null]);
  }
  const results = await pipeline.exec();
  assert.deepEqual(results?.map(([error, value]) => error ?? value), expected);
});

integrationTest(
  "a transaction runs on its keys' node; another node's key aborts EXEC",
  async () => {
    await using ring = await Sharded.start();
    await using conn = await RawConnection.open(ring.proxy.port);
    const replies = await conn.call(
      ["MULTI"],
      ["PING"],
      ["SET", "{t}a", "1"],
      ["INCR", "{t}n"],
      ["GET", "{t}a"],
      ["EXEC"],
    );
    assert.deepEqual(replies, [
      "+OK\r\n",
      "+QUEUED\r\n",
      "+QUEUED\r\n",
      "+QUEUED\r\n",
      "+QUEUED\r\n",
      "*4\r\n+PONG\r\n+OK\r\n:1\r\n$1\r\n1\r\n",
    ]);
    const other = ["x1", "x2", "x3", "x4", "x5", "x6"].find((k) =>
      owner(ring, k) !== owner(ring, "{t}a")
    )!;
    const aborted = await conn.call(
      ["MULTI"],
      ["SET", "{t}a", "2"],
      ["SET", other, "2"],
      ["EXEC"],
      ["GET", "{t}a"],
    );
    assert.deepEqual(aborted, [
      "+OK\r\n",
      "+QUEUED\r\n",
      "-CROSSSLOT Keys in request don't hash to the same slot\r\n",
      "-EXECABORT Transaction discarded because of previous errors.\r\n",
      "$1\r\n1\r\n",
    ]);
    // WATCH pins the transaction too, and a change on that node makes EXEC fail.
    await using writer = ring.client();
    await conn.send(["WATCH", "{t}a"]);
    assert.deepEqual(await conn.read(), ["+OK\r\n"]);
    await writer.set("{t}a", "changed");
    assert.deepEqual(await conn.call(["MULTI"], ["SET", "{t}a", "mine"], ["EXEC"]), [
      "+OK\r\n",
      "+QUEUED\r\n",
      "*-1\r\n",
    ]);
    assert.equal(await writer.get("{t}a"), "changed");
    assert.deepEqual(await conn.call(["MULTI"], ["DISCARD"], ["EXEC"]), [
      "+OK\r\n",
      "+OK\r\n",
      "-ERR EXEC without MULTI\r\n",
    ]);
  },
);

integrationTest("a dead node fails only its keys and serves them again when back", async () => {
  await using ring = await Sharded.start();
  await using client = ring.client();
  const keys = Array.from({ length: 60 }, (_, i) => `d${i}`);
  for (const key of keys) await client.set(key, "before");
  const dead = 1;
  const deadKey = keys.find((k) => owner(ring, k) === dead)!;
  const liveKeys = keys.filter((k) => owner(ring, k) !== dead);
  await ring.nodes[dead].stop();
  await assert.rejects(
    client.get(deadKey),
    new RegExp(`ERR upstream destination unavailable: .*\\(${ring.nodes[dead].addr}\\)`),
  );
  await assert.rejects(client.set(deadKey, "during"), /upstream destination unavailable/);
  for (const key of liveKeys) assert.equal(await client.get(key), "before");
  assert.equal(await client.set(liveKeys[0], "during"), "OK");
  const health = await fetch(`http://127.0.0.1:${ring.proxy.instruPort}/health`);
  const body = await health.json();
  assert.equal(health.status, 500);
  assert.match(
    body.destinationRedis.error,
    new RegExp(`^1 of 3 nodes down \\(${ring.nodes[dead].addr}: `),
  );
  for (const [i, node] of ring.nodes.entries()) {
    assert.equal(body[`destinationRedis ${node.addr}`].status, i === dead ? "Error" : "OK");
  }
  await ring.nodes[dead].restart();
  await waitFor(async () => {
    try {
      return (await client.set(deadKey, "after")) === "OK";
    } catch {
      return false;
    }
  }, { message: "the node never came back" });
  assert.deepEqual(await ring.holder(deadKey), [dead], "its keys were not moved elsewhere");
  for (const key of liveKeys) assert.deepEqual(await ring.holder(key), [owner(ring, key)]);
});

integrationTest(
  "a migration from one Redis into a ring copies keys onto their owners",
  async () => {
    await using ring = await Sharded.start({ withSource: true });
    await using source = ioredisClient(ring.source!.port);
    const keys = Array.from({ length: 40 }, (_, i) => `old:${i}`);
    for (const key of keys) await source.set(key, `value-${key}`, "EX", 1000);
    await source.hset("old:hash", "f", "1");
    await using client = ring.client();
    for (const key of keys) assert.equal(await client.get(key), `value-${key}`);
    assert.deepEqual(await client.hgetall("old:hash"), { f: "1" });
    for (const key of [...keys, "old:hash"]) {
      assert.deepEqual(await ring.holder(key), [owner(ring, key)], `${key} is on its owner`);
    }
    const [node] = await ring.holder(keys[0]);
    await using direct = ring.nodeClient(node);
    assert.ok(await direct.ttl(keys[0]) > 900, "the TTL came along");
    assert.equal(await client.mget(keys[1], keys[2]).then((v) => v.length), 2);
    assert.equal(await client.del(keys[3]), 1);
    assert.equal(await source.exists(keys[3]), 0, "DEL reaches the source too");
    assert.equal(await client.get(keys[3]), null);
    // The keyspace is the union: copied keys count once, keys only on the source too.
    await source.set("old:untouched", "x");
    const expected = keys.length - 1 + 2;
    assert.equal(await client.dbsize(), expected);
    assert.equal((await client.keys("old:*")).length, expected);
  },
);

integrationTest("pub/sub meets on the first node; SELECT applies on every node", async () => {
  await using ring = await Sharded.start();
  await using subscriber = ring.client();
  await using client = ring.client();
  const received = new Promise<string>((resolve) => subscriber.on("message", (_, m) => resolve(m)));
  await subscriber.subscribe("news");
  assert.equal(await client.publish("news", "hello"), 1);
  assert.equal(await received, "hello");
  await using first = ring.nodeClient(0);
  assert.deepEqual(await first.pubsub("CHANNELS"), ["news"]);
  await using selected = ioredisClient(ring.proxy.port, { db: 2 });
  const keys = Array.from({ length: 12 }, (_, i) => `db2:${i}`);
  for (const key of keys) await selected.set(key, "in-2");
  assert.equal(await client.exists(...keys), 0, "db 0 does not see them");
  assert.equal(await selected.dbsize(), keys.length);
  for (const key of keys) {
    await using node = ioredisClient(ring.nodes[owner(ring, key)].port, { db: 2 });
    assert.equal(await node.get(key), "in-2");
  }
});

integrationTest("a reload with another node list places new keys on the new ring", async () => {
  await using ring = await Sharded.start();
  await using client = ring.client();
  const [a, b] = ring.nodes;
  const outcome = await ring.proxy.reload(
    parseConfig(`[Destination]\nMode = "ring"\nAddrs = ["${a.addr}", "${b.addr}"]\n`, "two.toml"),
  );
  assert.ok(outcome.changed.includes("upstreams"));
  const keys = Array.from({ length: 60 }, (_, i) => `after:${i}`);
  for (const key of keys) await client.set(key, "v");
  const byNode = await keysByNode(ring);
  assert.equal(byNode[2].size, 0, "the node taken out gets nothing");
  assert.equal(byNode[0].size + byNode[1].size, keys.length);
  assert.ok(byNode[0].size > 0 && byNode[1].size > 0);
});
