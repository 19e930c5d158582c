import assert from "node:assert/strict";
import type { Redis } from "ioredis";
import { RedisServer } from "../lib/redis_process/mod.ts";
import { ioredisClient } from "./_util/clients.ts";
import { integrationTest } from "./_util/integration.ts";
import { waitFor } from "./_util/redis.ts";
import { startRemiro, withConfigFile } from "./_util/remiro_cli.ts";
import { Sharded } from "./_util/ring.ts";

const KEYS = 20_000;
const COUNTERS = 50;
const key = (i: number) => `key:${i}`;
const counter = (i: number) => `counter:{c${i}}`;

/** Writes KEYS keys and COUNTERS counters at 0 through the proxy. */
async function preload(client: Redis, keys = KEYS): Promise<void> {
  for (let start = 0; start < keys; start += 2000) {
    const pipeline = client.pipeline();
    for (let i = start; i < Math.min(keys, start + 2000); i++) pipeline.set(key(i), `v0:${i}`);
    await pipeline.exec();
  }
  await client.mset(
    Object.fromEntries(Array.from({ length: COUNTERS }, (_, i) => [counter(i), 0])),
  );
}

/**
 * Clients that INCR counters and SET then GET keys until stopped. Client c alone writes the keys
 * i with i % clients == c, so it knows each one's value: every GET must return the value of
 * the client's last acknowledged SET, and every counter the number of acknowledged INCRs.
 */
function readWriteLoad(clients: Redis[], keys = KEYS) {
  const increments = new Array<number>(COUNTERS).fill(0);
  const values = new Map<number, string>();
  const problems: string[] = [];
  let operations = 0;
  let stopped = false;
  const loops = clients.map(async (client, c) => {
    for (let round = 0; !stopped && problems.length === 0; round++) {
      const pipeline = client.pipeline();
      const plan: [string, number, string?][] = [];
      for (let j = 0; j < 30; j++) {
        const n = Math.floor(Math.random() * COUNTERS);
        pipeline.incr(counter(n));
        plan.push(["incr", n]);
        const i = Math.floor(Math.random() * (keys / clients.length)) * clients.length + c;
        if (j % 2 === 0) {
          const value = `v${round}.${j}:${i}`;
          pipeline.set(key(i), value);
          plan.push(["set", i, value]);
        } else {
          pipeline.get(key(i));
          plan.push(["get", i]);
        }
      }
      const results = (await pipeline.exec()) ?? [];
      results.forEach(([error, reply], k) => {
        const [op, i, value] = plan[k];
        if (error) return problems.push(`${op} ${i}: ${error.message}`);
        operations++;
        if (op === "incr") increments[i]++;
        else if (op === "set") values.set(i, value!);
        else if (reply !== (values.get(i) ?? `v0:${i}`)) {
          problems.push(`GET ${key(i)} returned ${reply}, expected ${values.get(i) ?? `v0:${i}`}`);
        }
      });
    }
  });
  return {
    increments,
    values,
    problems,
    get operations() {
      return operations;
    },
    async stop() {
      stopped = true;
      await Promise.all(loops);
    },
  };
}

/** Every key of every node, asked of the servers. */
async function keysOf(nodes: RedisServer[]): Promise<string[][]> {
  return await Promise.all(nodes.map(async (node) => {
    await using client = ioredisClient(node.port);
    const found: string[] = [];
    let cursor = "0";
    do {
      const [next, page] = await client.scan(cursor, "COUNT", 1000);
      cursor = next;
      found.push(...page);
    } while (cursor !== "0");
    return found;
  }));
}

/** Each key is on exactly one node of `ring`, the one that owns it; none is elsewhere. */
async function assertPlaced(ring: Sharded, others: RedisServer[], expected: number) {
  const byNode = await keysOf(ring.nodes);
  const misplaced = byNode.flatMap((keys, n) => keys.filter((k) => ring.ownerIndex(k) !== n));
  assert.deepEqual(misplaced.slice(0, 10), [], "every key is on its owner");
  assert.equal(byNode.reduce((sum, keys) => sum + keys.length, 0), expected, "no key twice");
  for (const [n, keys] of (await keysOf(others)).entries()) {
    assert.deepEqual(keys.slice(0, 10), [], `${others[n].addr} holds no key`);
  }
}

/** Resizes the ring under the load and checks that nothing was lost. */
async function resizeUnderLoad(ring: Sharded, nodes: RedisServer[], removed: RedisServer[]) {
  await using client = ring.client();
  await preload(client);
  const clients = Array.from({ length: 4 }, () => ring.client());
  try {
    const load = readWriteLoad(clients);
    await waitFor(() => load.operations > 2000, { timeoutMs: 20_000, message: "no load" });
    const from = ring.nodes.length;
    const started = performance.now();
    const outcome = await ring.resize(nodes);
    assert.ok(outcome.changed.includes("upstreams"));
    assert.equal(ring.proxy.rebalancing, true);
    const during = load.operations;
    await waitFor(() => !ring.proxy.rebalancing, { timeoutMs: 40_000, message: "not rebalanced" });
    const seconds = (performance.now() - started) / 1000;
    await waitFor(() => load.operations > during + 2000, { timeoutMs: 20_000, message: "stalled" });
    await load.stop();
    assert.deepEqual(load.problems.slice(0, 5), []);
    assert.ok(load.operations - during > 0, "the load ran during the rebalance");
    const progress = ring.proxy.rebalancer!.progress;
    console.log(
      `ring ${from} -> ${nodes.length}: ` +
        `moved ${progress.moved} keys in ${seconds.toFixed(1)} s ` +
        `(${progress.scanned} scanned, ${progress.passes} passes, ` +
        `${load.operations} client operations)`,
    );
    assert.ok(progress.done && progress.moved > 0);

    const counters = await client.mget(Array.from({ length: COUNTERS }, (_, i) => counter(i)));
    assert.deepEqual(counters.map(Number), load.increments, "each counter has its acked INCRs");
    const values = await client.mget(Array.from({ length: KEYS }, (_, i) => key(i)));
    const wrong = values.flatMap((value, i) =>
      value === (load.values.get(i) ?? `v0:${i}`) ? [] : [`${key(i)}=${value}`]
    );
    assert.deepEqual(wrong.slice(0, 10), [], "every key has its last acknowledged value");
    await assertPlaced(ring, removed, KEYS + COUNTERS);
    assert.equal(await client.dbsize(), KEYS + COUNTERS);

    const metrics = await (await fetch(`http://127.0.0.1:${ring.proxy.instruPort}/metrics`))
      .text();
    assert.match(metrics, /remiro_ring_rebalance_done 1/);
    const migration = await fetch(`http://127.0.0.1:${ring.proxy.instruPort}/admin/migration`);
    assert.deepEqual((await migration.json()).ring, { ...progress, remaining: 0 });
    assert.match(
      metrics,
      new RegExp(`remiro_ring_rebalance_keys\\{state="moved"\\} ${progress.moved}`),
    );
  } finally {
    for (const c of clients) c.disconnect();
  }
}

integrationTest(
  "adding a node under a read/write load loses nothing and moves keys to it",
  async () => {
    await using ring = await Sharded.start({ nodes: 3 });
    const added = await RedisServer.start();
    await resizeUnderLoad(ring, [...ring.nodes, added], []);
    const [onAdded] = await keysOf([added]);
    assert.ok(onAdded.length > KEYS / 8, `the new node got its share (${onAdded.length})`);
  },
);

integrationTest(
  "removing a node under a read/write load loses nothing and empties it",
  async () => {
    await using ring = await Sharded.start({ nodes: 4 });
    const removed = ring.nodes[1];
    await resizeUnderLoad(ring, ring.nodes.filter((n) => n !== removed), [removed]);
  },
);

integrationTest(
  "a node down during a rebalance: its keys get errors, the rebalance waits",
  async () => {
    await using ring = await Sharded.start({
      nodes: 3,
      destination: 'CommandTimeout = "300ms"\nConnectTimeout = "300ms"\nRebalanceRate = 1000',
    });
    await using client = ring.client();
    const keys = 6000;
    await preload(client, keys);
    const stopped = ring.nodes[0];
    const added = await RedisServer.start();
    const next = [...ring.nodes, added];
    const onStopped = Array.from({ length: keys }, (_, i) => key(i))
      .find((k) => ring.ownerIndex(k, next) === 0)!;
    await ring.resize(next);
    stopped.signal("SIGSTOP");
    try {
      await assert.rejects(client.get(onStopped), "a key of the stopped node gets an error");
      await new Promise((resolve) => setTimeout(resolve, 2000));
      assert.equal(ring.proxy.rebalancing, true, "no rebalance ends while a node is down");
      assert.equal(ring.proxy.rebalancer!.progress.done, false);
      // Another resize must wait for this one.
      await assert.rejects(
        ring.resize(next.slice(1)),
        /a ring rebalance is under way \(.* keys left\); reload again when it is done/,
      );
    } finally {
      stopped.signal("SIGCONT");
    }
    await waitFor(() => !ring.proxy.rebalancing, { timeoutMs: 40_000, message: "not rebalanced" });
    assert.equal(await client.get(onStopped), `v0:${onStopped.slice("key:".length)}`);
    const values = await client.mget(Array.from({ length: keys }, (_, i) => key(i)));
    assert.deepEqual(values.filter((v, i) => v !== `v0:${i}`).slice(0, 5), []);
    await assertPlaced(ring, [], keys + COUNTERS);
  },
);

integrationTest("a key deleted during a rebalance never comes back", async () => {
  await using ring = await Sharded.start({ nodes: 3, destination: "RebalanceRate = 500" });
  await using client = ring.client();
  const keys = 6000;
  await preload(client, keys);
  const added = await RedisServer.start();
  const next = [...ring.nodes, added];
  const moving = Array.from({ length: keys }, (_, i) => i)
    .filter((i) => ring.ownerIndex(key(i)) !== ring.ownerIndex(key(i), next));
  await ring.resize(next);
  // Half of the moving keys are read first (copied to their new owner), then all deleted.
  const deleted = moving.filter((_, n) => n % 2 === 0);
  const read = await client.mget(deleted.filter((_, n) => n % 2 === 0).map(key));
  assert.ok(read.every((value) => value !== null));
  const counts = await Promise.all(deleted.map((i) => client.del(key(i))));
  assert.deepEqual(new Set(counts), new Set([1]), "each deleted key existed once");
  assert.equal(ring.proxy.rebalancing, true, "the deletes raced the rebalance");
  // Keyspace commands while keys are on two nodes: each key once (SCAN may repeat one).
  const left = keys + COUNTERS - deleted.length;
  assert.equal(await client.dbsize(), left);
  assert.equal((await client.keys("*")).length, left);
  const scanned = new Set<string>();
  let cursor = "0";
  do {
    const [next, page] = await client.scan(cursor, "COUNT", 500);
    cursor = next;
    for (const k of page) scanned.add(k);
  } while (cursor !== "0");
  assert.equal(scanned.size, left);
  await waitFor(() => !ring.proxy.rebalancing, { timeoutMs: 40_000, message: "not rebalanced" });
  assert.deepEqual((await client.mget(deleted.map(key))).filter((v) => v !== null), []);
  await assertPlaced(ring, [], keys + COUNTERS - deleted.length);
  const gone = new Set(deleted.map(key));
  const found = (await keysOf(ring.nodes)).flat().filter((k) => gone.has(k));
  assert.deepEqual(found, [], "no deleted key is on any node");
});

integrationTest("SIGHUP resizes a ring; a reload during the rebalance is refused", async () => {
  await using a = await RedisServer.start();
  await using b = await RedisServer.start();
  await using c = await RedisServer.start();
  const config = (nodes: RedisServer[]) =>
    `AdminToken = "t0ken"\n[Destination]\nMode = "ring"\nRebalanceRate = 400\n` +
    `Addrs = [${nodes.map((n) => JSON.stringify(n.addr)).join(", ")}]\n`;
  await withConfigFile(config([a, b]), async (path) => {
    await using remiro = await startRemiro(path);
    await using client = ioredisClient(remiro.port);
    const keys = Array.from({ length: 3000 }, (_, i) => key(i));
    await client.mset(Object.fromEntries(keys.map((k) => [k, k])));
    await Deno.writeTextFile(path, config([a, b, c]));
    remiro.signal("SIGHUP");
    await waitFor(() => remiro.stderr().includes("ring rebalance started"));
    await Deno.writeTextFile(path, config([a, c]));
    const refused = await fetch(`http://127.0.0.1:${remiro.instru}/admin/reload`, {
      method: "POST",
      headers: { authorization: "Bearer t0ken" },
    });
    assert.equal(refused.status, 400);
    assert.match(
      (await refused.json()).error,
      /^a ring rebalance is under way \(\d+ keys left\); reload again when it is done$/,
    );
    await waitFor(() => /ring rebalanced moved=\d+/.test(remiro.stderr()), {
      timeoutMs: 30_000,
      message: "the rebalance did not finish",
    });
    assert.match(remiro.stderr(), /ERROR config reload rejected.*a ring rebalance is under way/);
    assert.deepEqual(await client.mget(keys), keys);
    const moved = Number(remiro.stderr().match(/ring rebalanced moved=(\d+)/)![1]);
    const [onC] = await keysOf([c]);
    assert.ok(
      moved > 0 && onC.length === moved,
      `${onC.length} keys on the new node, ${moved} moved`,
    );
  });
});
