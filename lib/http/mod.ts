/**
 * The instrumentation port: Prometheus metrics and the `/health` check of upstream servers.
 *
 * @module
 */
export { Metrics } from "./metrics.ts";
export { checkHealth, type HealthProbe, type HealthReport, type HealthStatus } from "./health.ts";
export {
  type HttpServerOptions,
  type MetricsSource,
  type RunningHttpServer,
  startHttpServer,
} from "./http_server.ts";
