import type { Reply } from "../resp/mod.ts";
import { parseClusterSlots } from "./cluster_slots.ts";
import { keySlot, SLOTS } from "./key_slot.ts";
import type { Placement, ShardNode } from "./placement.ts";

/**
 * A Redis Cluster's slot map (`Mode = "cluster"`): a key's shard is its slot, and each slot is
 * served by the master CLUSTER SLOTS names, or a MOVED reply moved it to. Nodes are learnt
 * from the seeds, the slot map and redirections, and keep their index.
 */
export class ClusterPlacement implements Placement {
  #nodes: ShardNode[] = [];
  #index = new Map<string, number>();
  #slots = new Int32Array(SLOTS).fill(-1);
  #serving: number[] = [0];

  constructor(seeds: readonly ShardNode[]) {
    if (seeds.length === 0) throw new RangeError("Cannot place keys in a cluster: no seed nodes");
    for (const seed of seeds) this.nodeIndex(seed.addrText);
  }

  get nodes(): readonly ShardNode[] {
    return this.#nodes;
  }

  /** The masters, by their lowest slot; the first seed until the map is known. */
  get serving(): readonly number[] {
    return this.#serving;
  }

  shardOf(key: Uint8Array): number {
    return keySlot(key);
  }

  /** A slot no master serves goes to the first one, whose CLUSTERDOWN or MOVED then tells. */
  nodeOfShard(slot: number): number {
    const node = this.#slots[slot];
    return node >= 0 ? node : this.#serving[0];
  }

  /** The index of the node at `addrText`, added when it is new. */
  nodeIndex(addrText: string): number {
    let index = this.#index.get(addrText);
    if (index === undefined) {
      index = this.#nodes.length;
      this.#nodes.push({ addrText });
      this.#index.set(addrText, index);
    }
    return index;
  }

  /** A MOVED reply: `slot` is now served by `node`. */
  moved(slot: number, node: number): void {
    this.#slots[slot] = node;
    if (!this.#serving.includes(node)) this.#serving = [...this.#serving, node];
  }

  /**
   * Takes the map from a CLUSTER SLOTS reply (see {@linkcode parseClusterSlots}). Returns
   * false, and keeps the old map, when the reply is not a slot map.
   */
  applySlots(reply: Reply, askedHost: string): boolean {
    const ranges = parseClusterSlots(reply, askedHost);
    if (ranges === undefined) return false;
    const slots = new Int32Array(SLOTS).fill(-1);
    const lowest = new Map<number, number>();
    for (const { start, end, addrText } of ranges) {
      const node = this.nodeIndex(addrText);
      slots.fill(node, start, end + 1);
      lowest.set(node, Math.min(lowest.get(node) ?? SLOTS, start));
    }
    this.#slots = slots;
    this.#serving = [...lowest.entries()].sort((a, b) => a[1] - b[1]).map(([node]) => node);
    return true;
  }
}

/** The host part of `host:port` (brackets of an IPv6 address removed). */
export function hostOf(addrText: string): string {
  const host = addrText.slice(0, addrText.lastIndexOf(":"));
  return host.startsWith("[") ? host.slice(1, -1) : host;
}
