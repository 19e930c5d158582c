import { keySlot } from "../../lib/shard/mod.ts";
import type { Sharded } from "./ring.ts";

const encoder = new TextEncoder();

/** The cluster slot of `key` (hash tags honoured). */
export const slotOf = (key: string): number => keySlot(encoder.encode(key));

/** The master serving each slot, by node index, from CLUSTER SLOTS of the first node. */
export async function slotOwners(ring: Sharded): Promise<Int32Array> {
  await using client = ring.nodeClient(0);
  const ranges = await client.cluster("SLOTS");
  const owners = new Int32Array(16384).fill(-1);
  for (const [start, end, [, port]] of ranges) {
    owners.fill(ring.nodes.findIndex((n) => n.port === port), start, end + 1);
  }
  return owners;
}

export async function nodeId(ring: Sharded, i: number): Promise<string> {
  await using client = ring.nodeClient(i);
  return String(await client.cluster("MYID"));
}

/** Starts moving `slot` from node `from` to node `to` and moves `keys` (redis-cli's steps). */
export async function beginSlotMove(
  ring: Sharded,
  slot: number,
  from: number,
  to: number,
  keys: string[],
) {
  const [fromId, toId] = [await nodeId(ring, from), await nodeId(ring, to)];
  await using source = ring.nodeClient(from);
  await using target = ring.nodeClient(to);
  await target.cluster("SETSLOT", slot, "IMPORTING", fromId);
  await source.cluster("SETSLOT", slot, "MIGRATING", toId);
  if (keys.length) {
    await source.migrate("127.0.0.1", ring.nodes[to].port, "", 0, 5000, "KEYS", ...keys);
  }
  return async () => {
    for (let i = 0; i < ring.nodes.length; i++) {
      await using node = ring.nodeClient(i);
      await node.cluster("SETSLOT", slot, "NODE", toId);
    }
  };
}
