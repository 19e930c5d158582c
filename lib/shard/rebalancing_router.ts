import type { CommandSpec } from "../commands/mod.ts";
import type { HealthProbe } from "../http/mod.ts";
import {
  MigrateRouter,
  type PinnedCommand,
  type RouteContext,
  type Router,
  SingleRouter,
  type Target,
} from "../route/mod.ts";
import { FAN_OUT_COMMANDS, fanOut } from "./fan_out.ts";
import { takeHashOverride } from "./hash_key.ts";
import { nodeFor, type Placement, type ShardNode } from "./placement.ts";
import { ringDbsize } from "./rebalance_keyspace.ts";
import { CountGate } from "./count_gate.ts";
import { nodeProbes, ShardedRouter } from "./sharded_router.ts";

/** The keys whose owner is node `old` of the old ring and node `next` of the new one. */
interface PairNode extends ShardNode {
  readonly old: number;
  readonly next: number;
}

/**
 * Places a key on the pair (old owner, new owner): a pair is a shard of its own, so a command
 * whose keys belong to several pairs is split (or refused) as a ring splits per node.
 */
class PairPlacement implements Placement {
  readonly nodes: readonly PairNode[];
  readonly serving: readonly number[];

  constructor(readonly old: Placement, readonly next: Placement) {
    const count = next.nodes.length;
    this.nodes = old.nodes.flatMap((from, o) =>
      next.nodes.map((to, n) => ({ addrText: `${from.addrText}>${to.addrText}`, old: o, next: n }))
    );
    // Keyless commands go to the new ring's first node, through any pair that ends there.
    this.serving = next.nodes.map((to, n) => {
      const o = old.nodes.findIndex((from) => from.addrText === to.addrText);
      return Math.max(o, 0) * count + n;
    });
  }

  shardOf(key: Uint8Array): number {
    return nodeFor(this.old, key) * this.next.nodes.length + nodeFor(this.next, key);
  }

  nodeOfShard(shard: number): number {
    return shard;
  }
}

/** A node of either ring, by its address. */
export interface RingServer {
  readonly addrText: string;
  readonly target: Target;
}

/**
 * A ring while its node list changes (a reload edited `Addrs`): a key whose owner is the same
 * in both rings is served by that node as usual; a key whose owner changed is served by a
 * migration from its old owner into its new one ({@linkcode MigrateRouter} with DeleteOnGet and
 * DeleteOnSet on), so it is copied on first touch and its old copy is removed by
 * compare-and-delete. The rebalancer moves the keys nobody touches through the same migration
 * routers, whose key locks order its copies with the clients' commands.
 *
 * Keyspace commands reach every node of either ring: KEYS lists a key once, SCAN may return a
 * key twice (once from each owner while it moves) but misses none, DBSIZE counts each key once
 * (see {@linkcode ringDbsize}); FLUSHDB/FLUSHALL empty every node.
 */
export class RebalancingRouter implements Router {
  readonly old: Placement;
  readonly next: Placement;
  /** Every node of either ring, the old ring's first. */
  readonly servers: readonly RingServer[];
  readonly ordersKeys = true;
  /** The rebalancer's moves and keyspace counts take turns. */
  readonly gate = new CountGate();
  #byAddr: Map<string, RingServer>;
  #pairs: ShardedRouter;
  #plain: SingleRouter[];

  constructor(old: Placement, next: Placement, target: (addrText: string) => Target) {
    this.old = old;
    this.next = next;
    const addrs = [...new Set([...old.nodes, ...next.nodes].map((node) => node.addrText))];
    this.servers = addrs.map((addrText) => ({ addrText, target: target(addrText) }));
    this.#byAddr = new Map(this.servers.map((server) => [server.addrText, server]));
    this.#plain = this.servers.map((server) => new SingleRouter(server.target));
    const placement = new PairPlacement(old, next);
    this.#pairs = new ShardedRouter({
      placement,
      hashOverride: true,
      member: (node) => {
        const { old: o, next: n } = node as PairNode;
        const from = this.#server(old, o);
        const to = this.#server(next, n);
        const router = from === to ? new SingleRouter(to.target) : new MigrateRouter(
          from.target,
          to.target,
          { deleteOnGet: true, deleteOnSet: true },
        );
        return { target: to.target, router };
      },
    });
  }

  #server(placement: Placement, index: number): RingServer {
    return this.#byAddr.get(placement.nodes[index].addrText)!;
  }

  /** The server of node `index` of the old ring. */
  oldServer(index: number): RingServer {
    return this.#server(this.old, index);
  }

  /** The server of node `index` of the new ring. */
  nextServer(index: number): RingServer {
    return this.#server(this.next, index);
  }

  /**
   * The migration of the keys that move from old node `old` to new node `next`; undefined when
   * both are the same server (those keys stay).
   */
  pair(old: number, next: number): MigrateRouter | undefined {
    const router = this.#pairs.member(old * this.next.nodes.length + next).router;
    return router instanceof MigrateRouter ? router : undefined;
  }

  route(
    args: Uint8Array[],
    spec: CommandSpec | undefined,
    context: RouteContext,
  ): Promise<Uint8Array> {
    const name = spec?.name;
    if (name === undefined || !FAN_OUT_COMMANDS.has(name) || this.#hasOverride(args)) {
      return this.#pairs.route(args, spec, context);
    }
    if (name === "dbsize") {
      return this.gate.count(() =>
        ringDbsize(
          this.servers.map((server) => server.target),
          (key) => this.nextServer(nodeFor(this.next, key)).target,
          context.db,
        )
      );
    }
    const run = (i: number, nodeArgs: Uint8Array[]) =>
      this.#plain[i].route(nodeArgs, spec, context);
    const reply = name === "keys"
      ? this.gate.count(() => fanOut(name, args, this.servers.length, run, context.protocol))
      : fanOut(name, args, this.servers.length, run, context.protocol);
    if (name === "flushdb" || name === "flushall") context.hold(reply);
    return reply;
  }

  #hasOverride(args: Uint8Array[]): boolean {
    return takeHashOverride(args).key !== undefined;
  }

  get primary(): Target {
    return this.nextServer(this.next.serving[0]).target;
  }

  pin(args: Uint8Array[], spec: CommandSpec | undefined): PinnedCommand | Uint8Array | undefined {
    return this.#pairs.pin(args, spec);
  }

  routedLength(args: Uint8Array[]): number {
    return this.#pairs.routedLength(args);
  }

  prepare(
    args: Uint8Array[],
    spec: CommandSpec | undefined,
    db: number,
  ): Promise<Uint8Array | undefined> | undefined {
    return this.#pairs.prepare(args, spec, db);
  }

  async checkDb(db: number): Promise<Uint8Array | undefined> {
    for (const server of this.servers) {
      const refused = await server.target.checkDb(db);
      if (refused) return refused;
    }
    return undefined;
  }

  get targets(): readonly Target[] {
    return this.servers.map((server) => server.target);
  }

  /** Nodes of the new ring as `destinationRedis`, nodes leaving it as `sourceRedis host:port`. */
  get probes(): HealthProbe[] {
    const next = this.next.serving.map((i) => this.nextServer(i));
    const leaving = this.servers.filter((server) => !next.includes(server));
    return [
      ...nodeProbes(next),
      ...leaving.flatMap((server) => server.target.probes(`sourceRedis ${server.addrText}`)),
    ];
  }

  retire(): void {
    for (const server of this.servers) server.target.retire();
  }

  close(): void {
    for (const server of this.servers) server.target.close();
  }
}
