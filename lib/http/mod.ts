/**
 * The instrumentation port: Prometheus metrics, the `/health` check of upstream servers and
 * the status page with its JSON source.
 *
 * @module
 */
export { LIMIT_NAMES, type LimitName, Metrics, type MetricsTotals } from "./metrics.ts";
export { checkHealth, type HealthProbe, type HealthReport, type HealthStatus } from "./health.ts";
export {
  type HttpServerOptions,
  type MetricsSource,
  type RunningHttpServer,
  startHttpServer,
} from "./http_server.ts";
export {
  bucketQuantile,
  type GroupStatus,
  type MemberStatus,
  type MigrationProgress,
  type ProcessInfo,
  type RecentError,
  StatusBoard,
  type StatusBoardOptions,
  type StatusReport,
  type StatusSample,
  type UpstreamGroupSource,
  type UpstreamMemberSource,
} from "./status_board.ts";
export { STATUS_PAGE } from "./status_page.ts";
