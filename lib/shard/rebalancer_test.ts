import assert from "node:assert/strict";
import { Metrics } from "../http/mod.ts";
import { RedisServer, sendCommands } from "../redis_process/mod.ts";
import { Target } from "../route/mod.ts";
import { UpstreamPool } from "../upstream/mod.ts";
import { nodeFor } from "./placement.ts";
import { Rebalancer } from "./rebalancer.ts";
import { RebalancingRouter } from "./rebalancing_router.ts";
import { ketamaName, RingPlacement } from "./ring_placement.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function ringOf(servers: RedisServer[]): RingPlacement {
  return new RingPlacement(
    servers.map((s) => ({ addrText: s.addr, name: ketamaName(s.addr), weight: 1 })),
  );
}

function rebalancing(from: RedisServer[], to: RedisServer[]): RebalancingRouter & Disposable {
  const metrics = new Metrics(new Set());
  const all = [...from, ...to];
  const router = new RebalancingRouter(ringOf(from), ringOf(to), (addrText) => {
    const server = all.find((s) => s.addr === addrText)!;
    const pool = new UpstreamPool({
      target: "destination",
      addr: { hostname: server.hostname, port: server.port },
      addrText,
      maxIdleConns: 4,
      idleTimeoutMs: 10_000,
      connectTimeoutMs: 200,
      commandTimeoutMs: 200,
    });
    return new Target("destination", pool, 0, metrics);
  });
  return Object.assign(router, { [Symbol.dispose]: () => router.close() });
}

async function keysOf(server: RedisServer): Promise<string[]> {
  const [reply] = await sendCommands(server.hostname, server.port, [["KEYS", "*"]]);
  // The keys here are short ASCII names: each bulk string is the line after its length.
  return decoder.decode(reply).split("\r\n").filter((_line, i) => i % 2 === 0 && i > 0);
}

async function get(server: RedisServer, key: string): Promise<string> {
  const [reply] = await sendCommands(server.hostname, server.port, [["GET", key]]);
  return decoder.decode(reply);
}

Deno.test("the rebalancer moves exactly the keys whose owner changed", async () => {
  await using a = await RedisServer.start();
  await using b = await RedisServer.start();
  await using c = await RedisServer.start();
  using router = rebalancing([a, b], [a, b, c]);
  const old = [a, b];
  const keys = Array.from({ length: 600 }, (_, i) => `k${i}`);
  const ownerBefore = (key: string) => nodeFor(router.old, encoder.encode(key));
  const ownerAfter = (key: string) => nodeFor(router.next, encoder.encode(key));
  for (const [o, server] of old.entries()) {
    const mine = keys.filter((key) => ownerBefore(key) === o);
    await sendCommands(server.hostname, server.port, mine.map((key) => ["SET", key, "old"]));
  }
  const moving = keys.filter((key) => ownerAfter(key) === 2);
  // A client's write reached the new owner first: it wins, and the old copy must go.
  const written = moving[0];
  await sendCommands(c.hostname, c.port, [["SET", written, "new"]]);
  // Written with hash= on a node that stays: its name belongs elsewhere, and it is left alone.
  const pinned = Array.from({ length: 1000 }, (_, i) => `h${i}`)
    .find((key) => ownerBefore(key) === 1 && ownerAfter(key) === 2)!;
  await sendCommands(a.hostname, a.port, [["SET", pinned, "pinned"]]);
  // A client that SELECTed another database wrote there: that database moves too.
  const elsewhere = moving.find((key) => ownerBefore(key) === 0)!;
  await sendCommands(a.hostname, a.port, [["SELECT", "3"], ["SET", elsewhere, "db3"]]);

  const rebalancer = new Rebalancer(router, { rate: 100_000 });
  assert.equal(await rebalancer.run(), true);
  const { progress } = rebalancer;
  assert.equal(progress.done, true);
  assert.equal(progress.moved, moving.length + 1);
  assert.equal(progress.scanned, keys.length + 2);
  assert.equal(progress.errors, 0);
  const byNode = await Promise.all([a, b, c].map(keysOf));
  for (const [n, found] of byNode.entries()) {
    const misplaced = found.filter((key) => ownerAfter(key) !== n && key !== pinned);
    assert.deepEqual(misplaced, [], `node ${n} owns its keys`);
  }
  assert.equal(byNode.flat().length, keys.length + 1);
  assert.ok(byNode[0].includes(pinned));
  assert.equal(await get(c, written), "$3\r\nnew\r\n");
  assert.equal(await get(c, moving[1]), "$3\r\nold\r\n");
  const inDb3 = (server: RedisServer) =>
    sendCommands(server.hostname, server.port, [["SELECT", "3"], ["DBSIZE"], ["GET", elsewhere]]);
  assert.deepEqual((await inDb3(c)).slice(1).map((r) => decoder.decode(r)), [
    ":1\r\n",
    "$3\r\ndb3\r\n",
  ]);
  assert.equal(decoder.decode((await inDb3(a))[1]), ":0\r\n");
});

Deno.test("the rebalance does not end while an old node cannot be walked", async () => {
  await using a = await RedisServer.start();
  await using b = await RedisServer.start();
  using router = rebalancing([a], [a, b]);
  const keys = Array.from({ length: 200 }, (_, i) => `k${i}`);
  await sendCommands(a.hostname, a.port, keys.map((key) => ["SET", key, "v"]));
  a.signal("SIGSTOP");
  const rebalancer = new Rebalancer(router, { rate: 100_000, retryMs: 50 });
  let ended = false;
  const run = rebalancer.run().then((done) => ended = done);
  try {
    await new Promise((resolve) => setTimeout(resolve, 800));
    assert.equal(ended, false, "a node whose first SCAN fails is not taken as walked");
    assert.equal(rebalancer.progress.done, false);
  } finally {
    a.signal("SIGCONT");
  }
  await run;
  assert.equal(ended, true);
  const moved = keys.filter((key) => nodeFor(router.next, encoder.encode(key)) === 1);
  assert.deepEqual((await keysOf(b)).sort(), moved.sort());
  assert.equal((await keysOf(a)).length, keys.length - moved.length);
});
