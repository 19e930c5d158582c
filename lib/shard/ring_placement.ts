import { hashTag } from "./hash_key.ts";
import { Continuum, md5Hash } from "./ketama.ts";
import type { Placement, ShardNode } from "./placement.ts";

/** A ring member: its address, and the name and weight its ketama points come from. */
export interface RingNode extends ShardNode {
  /** twemproxy's server name (see {@linkcode ketamaName}). */
  readonly name: string;
  readonly weight: number;
}

/** The name twemproxy hashes a server by: its own name, else `host:port` (`host` for 11211). */
export function ketamaName(addrText: string, name?: string): string {
  if (name !== undefined) return name;
  return addrText.endsWith(":11211") ? addrText.slice(0, -":11211".length) : addrText;
}

/**
 * Ketama consistent hashing over a fixed node list (`Mode = "ring"`): a node's shard is the
 * node itself, so commands are split and refused per node.
 */
export class RingPlacement implements Placement {
  readonly #continuum: Continuum;
  readonly serving: readonly number[];

  constructor(readonly nodes: readonly RingNode[]) {
    this.#continuum = new Continuum(nodes);
    this.serving = nodes.map((_, i) => i);
  }

  shardOf(key: Uint8Array): number {
    return this.#continuum.serverFor(md5Hash(hashTag(key)));
  }

  nodeOfShard(shard: number): number {
    return shard;
  }
}
