import type { Target } from "../route/mod.ts";
import { countAbsent, countKeys, countReply } from "./keyspace_walk.ts";

/**
 * DBSIZE of a ring whose node list is changing: every key once. A node's key counts where it
 * belongs under the new ring; a key held by a node that no longer owns it (not moved yet, or
 * copied and about to be deleted) counts only while its new owner lacks it. Walks every node,
 * so it costs a SCAN of the whole keyspace while a rebalance is under way.
 *
 * @param nodes every node of either ring
 * @param ownerOf the node (one of `nodes`) that owns `key` under the new ring
 */
export async function ringDbsize(
  nodes: readonly Target[],
  ownerOf: (key: Uint8Array) => Target,
  db: number,
): Promise<Uint8Array> {
  let total = 0;
  for (const node of nodes) {
    const counted = await countKeys(node, db, (keys) => {
      const elsewhere = keys.map(ownerOf).map((owner) => owner === node ? undefined : owner);
      const owned = elsewhere.filter((owner) => owner === undefined).length;
      return countAbsent(db, keys, (_, k) => elsewhere[k]).then((absent) =>
        absent instanceof Uint8Array ? absent : owned + absent
      );
    });
    if (counted instanceof Uint8Array) return counted;
    total += counted;
  }
  return countReply(total);
}
