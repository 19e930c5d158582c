import assert from "node:assert/strict";
import { lookupCommand } from "../commands/mod.ts";
import { Metrics } from "../http/mod.ts";
import { SingleRouter, Target } from "../route/mod.ts";
import { UpstreamPool } from "../upstream/mod.ts";
import { ketamaName, RingPlacement } from "./ring_placement.ts";
import { ShardedRouter } from "./sharded_router.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const bytes = (...args: string[]) => args.map((a) => encoder.encode(a));

/** A ring over addresses nothing listens on: these tests never send a command. */
function ring(): ShardedRouter & Disposable {
  const metrics = new Metrics(new Set());
  const addrs = ["127.0.0.1:1", "127.0.0.1:2", "127.0.0.1:3"];
  const router = new ShardedRouter({
    placement: new RingPlacement(
      addrs.map((addrText) => ({ addrText, name: ketamaName(addrText), weight: 1 })),
    ),
    member: (node) => {
      const port = Number(node.addrText.split(":")[1]);
      const pool = new UpstreamPool({
        target: "destination",
        addr: { hostname: "127.0.0.1", port },
        addrText: node.addrText,
        maxIdleConns: 0,
        idleTimeoutMs: 1000,
      });
      const target = new Target("destination", pool, 0, metrics);
      return { target, router: new SingleRouter(target) };
    },
    hashOverride: true,
  });
  return Object.assign(router, { [Symbol.dispose]: () => router.close() });
}

/** Keys that the ring puts on different nodes. */
function twoNodes(router: ShardedRouter): [string, string] {
  const keys = Array.from({ length: 20 }, (_, i) => `k${i}`);
  const a = keys[0];
  const b = keys.find((k) =>
    router.ownerOf(encoder.encode(k)) !== router.ownerOf(encoder.encode(a))
  )!;
  return [a, b];
}

Deno.test("pin gives the node of a command's keys, its hash= key, or CROSSSLOT", () => {
  using router = ring();
  const [a, b] = twoNodes(router);
  const pin = (...args: string[]) => router.pin(bytes(...args), lookupCommand(bytes(...args)));
  const one = pin("SET", a, "v");
  assert.ok(one && !(one instanceof Uint8Array));
  assert.equal(one.target, router.nodes[router.ownerOf(encoder.encode(a))]);
  assert.equal(pin("PING"), undefined);
  assert.match(decoder.decode(pin("RENAME", a, b) as Uint8Array), /^-CROSSSLOT /);
  const chosen = pin("SET", a, "v", `hash=${b}`);
  assert.ok(chosen && !(chosen instanceof Uint8Array));
  assert.equal(chosen.target, router.nodes[router.ownerOf(encoder.encode(b))]);
  assert.deepEqual(chosen.args.map((x) => decoder.decode(x)), ["SET", a, "v"]);
  assert.equal(router.routedLength(bytes("GET", a, "hash=x")), 2);
  assert.equal(router.routedLength(bytes("SET", a, "hash==x")), 3);
});

Deno.test("keys on several nodes: CROSSSLOT unless the command can be split", async () => {
  using router = ring();
  const [a, b] = twoNodes(router);
  const context = {
    db: 0,
    protocol: 2 as const,
    settled: () => Promise.resolve(),
    hold: () => {},
  };
  for (const args of [["RENAME", a, b], ["SMOVE", a, b, "m"], ["MSETNX", a, "1", b, "2"]]) {
    const reply = await router.route(bytes(...args), lookupCommand(bytes(...args)), context);
    assert.equal(
      decoder.decode(reply),
      "-CROSSSLOT Keys in request don't hash to the same slot\r\n",
    );
  }
  assert.equal(router.primary, router.nodes[0]);
  assert.deepEqual(
    router.probes.map((p) => p.name),
    ["destinationRedis", ...["1", "2", "3"].map((p) => `destinationRedis 127.0.0.1:${p}`)],
  );
});
