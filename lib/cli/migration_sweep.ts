import { copierMove, CopyFailed, type KeyMove } from "../migrate/mod.ts";
import { DEFAULT_DB, MigrateRouter, type MigrationSource, type Router } from "../route/mod.ts";
import { ShardedRouter } from "../shard/mod.ts";

/** What a migration's sweeper walks, and how it moves each key it finds. */
export interface SweepPlan {
  source: MigrationSource;
  move: KeyMove;
}

/**
 * The sweep of a migration router: into one server, through its copier; into a ring or a
 * cluster, through the copier of the node that owns each key (the one a read of the key would
 * copy it to), following a cluster's MOVED. Undefined for a router that migrates nothing.
 */
export function sweepPlanOf(router: Router): SweepPlan | undefined {
  if (router instanceof MigrateRouter) {
    return { source: router.source, move: copierMove(router.copier) };
  }
  if (!(router instanceof ShardedRouter) || router.source === undefined) return undefined;
  const move: KeyMove = (key) => {
    const owner = router.member(router.ownerOf(key));
    if (!(owner.router instanceof MigrateRouter)) return undefined;
    return owner.router.copier.ensure(DEFAULT_DB, key).catch((error) => {
      // A cluster's slot moved since the map was read: the destination's MOVED (never a
      // cluster source's, which names a node of another cluster) updates the map, and the key
      // goes to the node it names.
      if (!(error instanceof CopyFailed) || !error.restoreRefused) throw error;
      const redirection = router.redirection?.(error.reply, owner.target);
      if (redirection === undefined || redirection.asking) throw error;
      const moved = router.member(router.ownerOf(key)).router;
      if (!(moved instanceof MigrateRouter)) throw error;
      return moved.copier.ensure(DEFAULT_DB, key);
    });
  };
  return { source: router.source, move };
}
