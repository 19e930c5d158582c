export { type MigrateOptions, MigrateRouter } from "./migrate_router.ts";
export {
  isBlocking,
  metricName,
  type PinnedCommand,
  type Redirection,
  type RouteContext,
  type Router,
} from "./router.ts";
export { forward, SingleRouter } from "./single_router.ts";
export { DEFAULT_DB, Target } from "./target.ts";
export type { MigrationSource } from "./migration_source.ts";
export { buildRebalancingRouter, buildRouter } from "./build_router.ts";
export { RouterSwitch, withDeadline } from "./router_switch.ts";
