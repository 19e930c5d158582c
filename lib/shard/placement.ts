/** One server of a ring or cluster, as routers and health checks name it. */
export interface ShardNode {
  /** `host:port` (or the socket path) as the config or the cluster names it. */
  readonly addrText: string;
}

/**
 * Where keys live. A key maps to a shard (a ring's node, a cluster's slot); commands whose
 * keys are in different shards cannot run as one command. A shard maps to a node index.
 *
 * A ring placement is a pure function of its node list: building one for another list (a
 * reload that adds a node) tells which node owns a key under either list.
 */
export interface Placement {
  /** Every node known; a node keeps its index for the placement's life. */
  readonly nodes: readonly ShardNode[];
  /** The indexes of the nodes that hold keys now (a cluster's masters), in a stable order. */
  readonly serving: readonly number[];
  /** The shard of a key (hash tags already honoured). */
  shardOf(key: Uint8Array): number;
  /** The node that serves a shard now. */
  nodeOfShard(shard: number): number;
}

/** The node that owns `key` under `placement`. */
export function nodeFor(placement: Placement, key: Uint8Array): number {
  return placement.nodeOfShard(placement.shardOf(key));
}
