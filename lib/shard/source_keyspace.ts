import { integerValue, isErrorFrame } from "../resp/mod.ts";
import type { MigrationSource, Target } from "../route/mod.ts";
import { countAbsent, countKeys, countReply } from "./keyspace_walk.ts";

/**
 * DBSIZE of a migration into several nodes: the keys of every node, plus the source's keys
 * that their owner node lacks (not copied yet). Walks the whole source, as the single-node
 * migration's DBSIZE does.
 */
export async function unionDbsize(
  source: MigrationSource,
  nodes: readonly Target[],
  ownerOf: (key: Uint8Array) => number,
  db: number,
): Promise<Uint8Array> {
  const sizes = await Promise.all(nodes.map((node) => node.call(db, ["DBSIZE"])));
  const refused = sizes.find(isErrorFrame);
  if (refused) return refused;
  const onNodes = sizes.reduce((n, size) => n + (integerValue(size) ?? 0), 0);
  const onlyOnSource = await countKeys(
    source,
    db,
    (keys) => countAbsent(db, keys, (key) => nodes[ownerOf(key)]),
  );
  return countReply(onlyOnSource instanceof Uint8Array ? onlyOnSource : onNodes + onlyOnSource);
}
