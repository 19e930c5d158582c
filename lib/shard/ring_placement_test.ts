import assert from "node:assert/strict";
import { ketamaName, RingPlacement } from "./ring_placement.ts";
import { nodeFor } from "./placement.ts";

const encoder = new TextEncoder();

function ring(weights: number[]): RingPlacement {
  return new RingPlacement(weights.map((weight, i) => {
    const addrText = `10.0.0.${i + 1}:6379`;
    return { addrText, name: ketamaName(addrText), weight };
  }));
}

function shares(placement: RingPlacement, keys: number): number[] {
  const counts = placement.nodes.map(() => 0);
  for (let i = 0; i < keys; i++) counts[nodeFor(placement, encoder.encode(`key:${i}`))]++;
  return counts.map((n) => n / keys);
}

Deno.test("ketamaName is the name, else host:port, else host for port 11211", () => {
  assert.equal(ketamaName("10.0.0.1:6379"), "10.0.0.1:6379");
  assert.equal(ketamaName("10.0.0.1:11211"), "10.0.0.1");
  assert.equal(ketamaName("10.0.0.1:6379", "cache-a"), "cache-a");
});

Deno.test("placement is a function of the node list, and balanced", () => {
  const keys = 100_000;
  const counts = shares(ring([1, 1, 1]), keys);
  assert.deepEqual(counts, shares(ring([1, 1, 1]), keys), "the same list places alike");
  const [min, max] = [Math.min(...counts), Math.max(...counts)];
  console.log(`3 nodes, ${keys} keys: min share ${min.toFixed(4)}, max share ${max.toFixed(4)}`);
  assert.ok(min > 0.28 && max < 0.39, `shares ${counts}`);
});

Deno.test("weights scale a node's share; a hash tag keeps keys together", () => {
  const counts = shares(ring([1, 2, 1]), 50_000);
  assert.ok(counts[1] > 0.4 && counts[1] < 0.6, `shares ${counts}`);
  const placement = ring([1, 1, 1]);
  const owners = new Set(
    Array.from({ length: 50 }, (_, i) => nodeFor(placement, encoder.encode(`{order:9}:${i}`))),
  );
  assert.equal(owners.size, 1);
});

Deno.test("adding a node moves only the keys it takes", () => {
  const before = ring([1, 1, 1]);
  const after = ring([1, 1, 1, 1]);
  let moved = 0;
  for (let i = 0; i < 20_000; i++) {
    const key = encoder.encode(`key:${i}`);
    const [from, to] = [nodeFor(before, key), nodeFor(after, key)];
    if (from !== to) {
      moved++;
      assert.equal(to, 3, "a key only ever moves to the new node");
    }
  }
  assert.ok(moved > 3000 && moved < 7000, `${moved} of 20000 moved`);
});
