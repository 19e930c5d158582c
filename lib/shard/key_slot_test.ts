import assert from "node:assert/strict";
import { crc16, keySlot } from "./key_slot.ts";

const text = (s: string) => new TextEncoder().encode(s);

Deno.test("keySlot matches Redis Cluster's CLUSTER KEYSLOT, hash tags included", () => {
  assert.equal(crc16(text("123456789")), 0x31c3);
  // Values from redis-cli CLUSTER KEYSLOT on a cluster node.
  assert.equal(keySlot(text("foo")), 12182);
  assert.equal(keySlot(text("bar")), 5061);
  assert.equal(keySlot(text("{user1000}.following")), keySlot(text("user1000")));
  assert.equal(keySlot(text("foo{}{bar}")), crc16(text("foo{}{bar}")) & 16383);
  assert.equal(keySlot(text("foo{{bar}}zap")), crc16(text("{bar")) & 16383);
});
