import { copierMove, type KeyMove } from "../migrate/mod.ts";
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
 * copy it to). Undefined for a router that migrates nothing.
 */
export function sweepPlanOf(router: Router): SweepPlan | undefined {
  if (router instanceof MigrateRouter) {
    return { source: router.source, move: copierMove(router.copier) };
  }
  if (!(router instanceof ShardedRouter) || router.source === undefined) return undefined;
  const move: KeyMove = (key) => {
    const owner = router.member(router.ownerOf(key)).router;
    return owner instanceof MigrateRouter ? owner.copier.ensure(DEFAULT_DB, key) : undefined;
  };
  return { source: router.source, move };
}
