import { type Config, type GroupConfig, parseAddress, type ServerConfig } from "../config/mod.ts";
import { UpstreamGroup } from "../failover/mod.ts";
import type { Metrics } from "../http/mod.ts";
import type { Log } from "../log/mod.ts";
import {
  ClusterPlacement,
  ClusterRedirects,
  ketamaName,
  RebalancingRouter,
  type RingNode,
  RingPlacement,
  ShardedRouter,
  ShardedSource,
  type ShardMember,
  type ShardNode,
} from "../shard/mod.ts";
import { UpstreamPool } from "../upstream/mod.ts";
import { MigrateRouter } from "./migrate_router.ts";
import type { Router } from "./router.ts";
import { SingleRouter } from "./single_router.ts";
import { Target } from "./target.ts";
import type { MigrationSource } from "./migration_source.ts";

function target(
  name: "source" | "destination",
  server: ServerConfig,
  metrics: Metrics,
  log?: Log,
): Target {
  if (server.group) {
    return new Target(name, new UpstreamGroup(name, server, log), server.db, metrics);
  }
  return nodeTarget(name, server, server, metrics);
}

/** One server of a section: a single server, or a node of a ring or cluster. */
function nodeTarget(
  name: "source" | "destination",
  server: ServerConfig,
  node: Pick<ServerConfig, "addr" | "addrText">,
  metrics: Metrics,
): Target {
  const pool = new UpstreamPool({
    target: name,
    addr: node.addr,
    addrText: node.addrText,
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

/**
 * The router a config describes: migration with a `[Source]`, plain proxy without; over a
 * ring or a cluster, one of those per node behind a {@linkcode ShardedRouter}.
 */
export function buildRouter(config: Config, metrics: Metrics, log?: Log): Router {
  const source = config.source ? migrationSource(config.source, metrics, log) : undefined;
  const options = { deleteOnGet: config.deleteOnGet, deleteOnSet: config.deleteOnSet };
  const over = (destination: Target): Router =>
    source ? new MigrateRouter(source, destination, options) : new SingleRouter(destination);
  const group = config.destination.group;
  if (group?.mode === "ring" || group?.mode === "cluster") {
    return buildSharded("destination", config.destination, group, metrics, over, source, log);
  }
  return over(target("destination", config.destination, metrics, log));
}

/**
 * The `[Source]`: one server or a failover group as a Target, or a ring or a cluster read
 * through a router of its own (hash tags place keys; `hash=` overrides are the clients' and
 * are not looked for).
 */
function migrationSource(server: ServerConfig, metrics: Metrics, log?: Log): MigrationSource {
  const group = server.group;
  if (group?.mode !== "ring" && group?.mode !== "cluster") {
    return target("source", server, metrics, log);
  }
  const plain = (node: Target) => new SingleRouter(node);
  const router = buildSharded("source", server, group, metrics, plain, undefined, log);
  return new ShardedSource(router, { checkPlacement: group.mode === "ring", log });
}

function buildSharded(
  name: "source" | "destination",
  server: ServerConfig,
  group: GroupConfig,
  metrics: Metrics,
  over: (node: Target) => Router,
  source: MigrationSource | undefined,
  log?: Log,
): ShardedRouter {
  const member = (node: ShardNode): ShardMember => {
    const addr = group.members.find((m) => m.addrText === node.addrText)?.addr ??
      parseAddress(node.addrText);
    const nodeTargetOf = nodeTarget(name, server, { addr, addrText: node.addrText }, metrics);
    return { target: nodeTargetOf, router: over(nodeTargetOf) };
  };
  if (group.mode === "cluster") {
    return new ShardedRouter({
      placement: new ClusterPlacement(group.members),
      member,
      hashOverride: false,
      source,
      redirects: (router) => new ClusterRedirects(router, group.checkIntervalMs, log, name),
    });
  }
  return new ShardedRouter({
    placement: ringPlacement(group),
    member,
    hashOverride: name === "destination",
    source,
  });
}

function ringPlacement(group: GroupConfig): RingPlacement {
  return new RingPlacement(group.members.map((m): RingNode => ({
    addrText: m.addrText,
    name: ketamaName(m.addrText, m.name),
    weight: m.weight ?? 1,
  })));
}

/**
 * The router of a ring whose `Addrs` changed from `previous` to `next` (both `Mode = "ring"`,
 * without a `[Source]`): keys whose owner changed move on first touch, see
 * {@linkcode RebalancingRouter}. Its nodes connect with `next`'s settings.
 */
export function buildRebalancingRouter(
  previous: Config,
  next: Config,
  metrics: Metrics,
): RebalancingRouter {
  const server = next.destination;
  const [from, to] = [previous.destination.group!, server.group!];
  const addrs = new Map([...from.members, ...to.members].map((m) => [m.addrText, m.addr]));
  return new RebalancingRouter(
    ringPlacement(from),
    ringPlacement(to),
    (addrText) =>
      nodeTarget("destination", server, { addr: addrs.get(addrText)!, addrText }, metrics),
  );
}
