import type { Config, ServerConfig } from "../config/mod.ts";
import { UpstreamGroup } from "../failover/mod.ts";
import type { Metrics } from "../http/mod.ts";
import type { Log } from "../log/mod.ts";
import { UpstreamPool } from "../upstream/mod.ts";
import { MigrateRouter } from "./migrate_router.ts";
import type { Router } from "./router.ts";
import { SingleRouter } from "./single_router.ts";
import { Target } from "./target.ts";

function target(
  name: "source" | "destination",
  server: ServerConfig,
  metrics: Metrics,
  log?: Log,
): Target {
  if (server.group) {
    return new Target(name, new UpstreamGroup(name, server, log), server.db, metrics);
  }
  const pool = new UpstreamPool({
    target: name,
    addr: server.addr,
    addrText: server.addrText,
    username: server.username,
    password: server.password,
    tls: server.tls,
    maxIdleConns: server.maxIdleConns,
    idleTimeoutMs: server.idleTimeoutMs,
    connectTimeoutMs: server.connectTimeoutMs,
    commandTimeoutMs: server.commandTimeoutMs,
    onTimeout: (limit) => metrics.limitExceeded(limit),
  });
  return new Target(name, pool, server.db, metrics);
}

/** The router a config describes: migration with a `[Source]`, plain proxy without. */
export function buildRouter(config: Config, metrics: Metrics, log?: Log): Router {
  const destination = target("destination", config.destination, metrics, log);
  if (!config.source) return new SingleRouter(destination);
  return new MigrateRouter(target("source", config.source, metrics, log), destination, {
    deleteOnGet: config.deleteOnGet,
    deleteOnSet: config.deleteOnSet,
  });
}
