import type { Config } from "../config/mod.ts";
import type { ProxyRuntime } from "./proxy_runtime.ts";
import { groupsOf } from "../failover/mod.ts";
import type { Target } from "../route/mod.ts";
import {
  type HealthProbe,
  type Metrics,
  STATUS_PAGE,
  StatusBoard,
  type UpstreamGroupSource,
} from "../http/mod.ts";
import type { Logger } from "../log/mod.ts";

/** What {@linkcode startStatusBoard} reads. */
export interface StatusWiringOptions {
  /** Read on every report: a reload changes the config, the upstreams and the sweeper. */
  runtime: ProxyRuntime;
  metrics: Metrics;
  log?: Logger;
  /** Where clients connect to the proxy. */
  host: string;
  port: number;
}

/** The status page's routes for the instrumentation server, and how to stop its sampling. */
export interface StatusRoutes {
  board: StatusBoard;
  pages: Record<string, () => string>;
  json: Record<string, () => unknown>;
  stop(): Promise<void>;
}

/** Which config section and health probe each upstream group comes from. */
const UPSTREAMS = [
  { name: "source", probe: "sourceRedis" },
  { name: "destination", probe: "destinationRedis" },
] as const;

/**
 * Starts sampling for the status page (`/`) and its JSON (`/admin/status`). Only addresses
 * from the config reach the board: passwords stay behind.
 */
export function startStatusBoard(options: StatusWiringOptions): StatusRoutes {
  const { runtime, log } = options;
  const board = new StatusBoard({
    metrics: options.metrics,
    // Health probes are named sourceRedis and destinationRedis.
    upstreams: () => upstreamGroups(runtime.config, runtime.probes, runtime.server.router.targets),
    migration: () => {
      const sweeper = runtime.sweeper;
      return sweeper && { ...sweeper.progress, remaining: sweeper.remaining };
    },
    recentErrors: log && (() => log.recent()),
    process: {
      get mode() {
        return runtime.config.source ? "migration" : "proxy";
      },
      listen: options.host.includes(":")
        ? `[${options.host}]:${options.port}`
        : `${options.host}:${options.port}`,
      startedAt: runtime.times.startedAt,
    },
  });
  board.start();
  return {
    board,
    pages: { "/": () => STATUS_PAGE },
    json: { "/admin/status": () => board.report() },
    stop: () => board.stop(),
  };
}

/**
 * Each configured upstream as a group: a failover group with its members (the current master
 * marked), or a single server as a group of one.
 */
function upstreamGroups(
  config: Config,
  probes: readonly HealthProbe[],
  targets: readonly Target[],
) {
  const groups: UpstreamGroupSource[] = [];
  for (const upstream of UPSTREAMS) {
    const server = config[upstream.name];
    const probe = probes.find((p) => p.name === upstream.probe);
    if (!server || !probe) continue;
    const group = groupsOf(targets.filter((t) => t.name === upstream.name))[0];
    if (!group) {
      groups.push({
        name: upstream.name,
        members: [{ name: upstream.name, address: server.addrText, probe }],
      });
      continue;
    }
    groups.push({
      name: upstream.name,
      members: group.members.map((member) => ({
        name: member.current ? `${upstream.name} (master)` : upstream.name,
        address: member.address,
        role: member.role,
        probe: {
          name: member.address,
          // The group's own checks already know; the page does not ping again.
          ping: () =>
            member.up ? Promise.resolve() : Promise.reject(new Error(member.error ?? "down")),
        },
      })),
    });
  }
  return groups;
}
