import assert from "node:assert/strict";
import { lookupCommand } from "../commands/mod.ts";
import { Metrics } from "../http/mod.ts";
import { MigrateRouter, Target } from "../route/mod.ts";
import { UpstreamPool } from "../upstream/mod.ts";
import { nodeFor } from "./placement.ts";
import { RebalancingRouter } from "./rebalancing_router.ts";
import { ketamaName, RingPlacement } from "./ring_placement.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const bytes = (...args: string[]) => args.map((a) => encoder.encode(a));

function ringOf(ports: number[]): RingPlacement {
  return new RingPlacement(ports.map((port) => {
    const addrText = `127.0.0.1:${port}`;
    return { addrText, name: ketamaName(addrText), weight: 1 };
  }));
}

/** A rebalancing ring over addresses nothing listens on: these tests never send a command. */
function rebalancing(from: number[], to: number[]): RebalancingRouter & Disposable {
  const metrics = new Metrics(new Set());
  const router = new RebalancingRouter(ringOf(from), ringOf(to), (addrText) => {
    const pool = new UpstreamPool({
      target: "destination",
      addr: { hostname: "127.0.0.1", port: Number(addrText.split(":")[1]) },
      addrText,
      maxIdleConns: 0,
      idleTimeoutMs: 1000,
    });
    return new Target("destination", pool, 0, metrics);
  });
  return Object.assign(router, { [Symbol.dispose]: () => router.close() });
}

/** Keys by (old owner, new owner). */
function keysByPair(router: RebalancingRouter): Map<string, string[]> {
  const pairs = new Map<string, string[]>();
  for (let i = 0; i < 400; i++) {
    const key = `k${i}`;
    const pair = `${nodeFor(router.old, encoder.encode(key))}>${
      nodeFor(router.next, encoder.encode(key))
    }`;
    pairs.set(pair, [...pairs.get(pair) ?? [], key]);
  }
  return pairs;
}

Deno.test("a key whose owner changed goes through a migration from its old owner", () => {
  using router = rebalancing([1, 2, 3], [1, 2, 3, 4]);
  assert.deepEqual(
    router.servers.map((s) => s.addrText),
    [1, 2, 3, 4].map((p) => `127.0.0.1:${p}`),
  );
  const pairs = keysByPair(router);
  // Adding a node moves keys only to it.
  assert.deepEqual([...pairs.keys()].sort(), ["0>0", "0>3", "1>1", "1>3", "2>2", "2>3"]);
  for (const o of [0, 1, 2]) {
    assert.equal(router.pair(o, o), undefined, "a key that stays needs no migration");
    const pair = router.pair(o, 3);
    assert.ok(pair instanceof MigrateRouter);
    assert.deepEqual(pair.targets, [router.oldServer(o).target, router.nextServer(3).target]);
  }
  const moving = pairs.get("1>3")![0];
  const pinned = router.pin(bytes("SET", moving, "v"), lookupCommand(bytes("SET")));
  assert.ok(pinned && !(pinned instanceof Uint8Array));
  assert.equal(pinned.target, router.nextServer(3).target, "a transaction runs on the new owner");
  assert.equal(router.primary, router.nextServer(0).target);
});

Deno.test("keys of different moves cannot run as one command, keys of one move can", async () => {
  using router = rebalancing([1, 2, 3], [1, 2, 3, 4]);
  const pairs = keysByPair(router);
  // The same new owner, different old ones: not one pair, so not one command.
  const [a, b] = [pairs.get("0>3")![0], pairs.get("1>3")![0]];
  const context = { db: 0, protocol: 2 as const, settled: () => Promise.resolve(), hold() {} };
  const reply = await router.route(bytes("RENAME", a, b), lookupCommand(bytes("RENAME")), context);
  assert.match(decoder.decode(reply), /^-CROSSSLOT /);
  const same = pairs.get("0>3")!.slice(0, 2);
  const pinned = router.pin(bytes("RENAME", ...same), lookupCommand(bytes("RENAME")));
  assert.ok(pinned && !(pinned instanceof Uint8Array), "keys of one move run as one command");
  assert.equal(pinned.target, router.nextServer(3).target);
});

Deno.test("a node leaving the ring is probed as a source until the rebalance ends", () => {
  using router = rebalancing([1, 2, 3, 4], [1, 3, 4]);
  const pairs = keysByPair(router);
  // Only the removed node's keys move, spread over the others.
  const stays = new Set(["0>0", "2>1", "3>2"]);
  assert.deepEqual([...pairs.keys()].filter((pair) => !pair.startsWith("1>")).sort(), [...stays]);
  assert.deepEqual([...pairs.keys()].filter((pair) => pair.startsWith("1>")).sort(), [
    "1>0",
    "1>1",
    "1>2",
  ]);
  assert.equal(router.targets.length, 4);
  assert.deepEqual(router.probes.map((p) => p.name), [
    "destinationRedis",
    ...[1, 3, 4].map((p) => `destinationRedis 127.0.0.1:${p}`),
    "sourceRedis 127.0.0.1:2",
  ]);
});
