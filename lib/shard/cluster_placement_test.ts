import assert from "node:assert/strict";
import type { Reply } from "../resp/mod.ts";
import { ClusterPlacement } from "./cluster_placement.ts";
import { parseRedirect } from "./cluster_redirects.ts";
import { keySlot } from "./key_slot.ts";

const encoder = new TextEncoder();
const int = (value: number): Reply => ({ type: "integer", value });
const bulk = (text: string): Reply => ({ type: "bulk", value: encoder.encode(text) });
const range = (start: number, end: number, host: string, port: number): Reply => ({
  type: "array",
  value: [int(start), int(end), { type: "array", value: [bulk(host), int(port), bulk("id")] }],
});

Deno.test("a CLUSTER SLOTS reply maps slots to masters, ordered by their lowest slot", () => {
  const placement = new ClusterPlacement([{ addrText: "10.0.0.9:7000" }]);
  const applied = placement.applySlots({
    type: "array",
    value: [
      range(5461, 10922, "10.0.0.2", 7001),
      range(0, 5460, "", 7000),
      range(10923, 16383, "::1", 7002),
    ],
  }, "10.0.0.1");
  assert.ok(applied);
  const names = placement.nodes.map((n) => n.addrText);
  assert.deepEqual(names, ["10.0.0.9:7000", "10.0.0.2:7001", "10.0.0.1:7000", "[::1]:7002"]);
  assert.deepEqual(placement.serving.map((i) => names[i]), [
    "10.0.0.1:7000",
    "10.0.0.2:7001",
    "[::1]:7002",
  ]);
  assert.equal(names[placement.nodeOfShard(0)], "10.0.0.1:7000");
  assert.equal(names[placement.nodeOfShard(16383)], "[::1]:7002");
  assert.equal(placement.shardOf(encoder.encode("{user}x")), keySlot(encoder.encode("user")));
  assert.equal(placement.applySlots({ type: "error", message: "ERR no cluster" }, "h"), false);
  assert.equal(names[placement.nodeOfShard(0)], "10.0.0.1:7000", "a bad reply keeps the map");
});

Deno.test("MOVED moves one slot; an unknown slot goes to the first master", () => {
  const placement = new ClusterPlacement([{ addrText: "h:1" }]);
  assert.equal(placement.nodeOfShard(42), 0);
  const node = placement.nodeIndex("h:2");
  placement.moved(42, node);
  assert.equal(placement.nodeOfShard(42), node);
  assert.equal(placement.nodeOfShard(43), 0);
  assert.deepEqual(placement.serving, [0, node]);
});

Deno.test("parseRedirect reads MOVED and ASK, and nothing else", () => {
  const frame = (text: string) => encoder.encode(`${text}\r\n`);
  assert.deepEqual(parseRedirect(frame("-MOVED 3999 127.0.0.1:6381"), "h:1"), {
    kind: "MOVED",
    slot: 3999,
    addrText: "127.0.0.1:6381",
  });
  assert.deepEqual(
    parseRedirect(frame("-ASK 1 :7000"), "10.1.1.1:6379")?.addrText,
    "10.1.1.1:7000",
  );
  assert.deepEqual(parseRedirect(frame("-ASK 1 ::1:7000"), "h:1")?.addrText, "[::1]:7000");
  for (const other of ["+OK", "-ERR MOVED", "-MOVEDX 1 h:1", "$5", "-ASKING"]) {
    assert.equal(parseRedirect(frame(other), "h:1"), undefined);
  }
});
