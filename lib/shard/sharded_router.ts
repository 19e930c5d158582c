import { type CommandSpec, extractKeys, type KeyRef } from "../commands/mod.ts";
import type { HealthProbe } from "../http/mod.ts";
import type { ReplySink } from "../upstream/mod.ts";
import type {
  MigrationSource,
  PinnedCommand,
  Redirection,
  RouteContext,
  Router,
  Target,
} from "../route/mod.ts";
import { FAN_OUT_COMMANDS, fanOut } from "./fan_out.ts";
import { takeHashOverride } from "./hash_key.ts";
import { unionDbsize } from "./source_keyspace.ts";
import { nodeFor, type Placement, type ShardNode } from "./placement.ts";
import { CROSSSLOT, joinReplies, splitCommand } from "./split_join.ts";

/** A node of the ring or cluster: its server, and the router its commands go through. */
export interface ShardMember {
  readonly target: Target;
  /** A plain proxy to the node, or a migration from the `[Source]` into it. */
  readonly router: Router;
}

/** Where a command goes: the node of a shard, or a node chosen otherwise. */
export type Where = { shard: number } | { node: number };

/**
 * Follows a cluster's redirections: sends a command where the slot map says and, on `MOVED` or
 * `ASK`, to the node named (absent for a ring, whose placement is all there is).
 */
export interface Redirects {
  /** Until the first slot map is known: commands wait for it. */
  readonly pending: Promise<void> | undefined;
  send(
    where: Where,
    args: Uint8Array[],
    spec: CommandSpec | undefined,
    context: RouteContext,
  ): Promise<Uint8Array>;
  /** See Router.redirection. */
  redirection(reply: Uint8Array, from: Target): Redirection | undefined;
  close(): void;
}

export interface ShardedRouterOptions {
  placement: Placement;
  /** Builds the member for a node (a cluster learns new masters while running). */
  member(node: ShardNode): ShardMember;
  /** `hash=KEY` as last argument chooses the node (ring only). */
  hashOverride: boolean;
  /** The `[Source]` of a migration into the nodes, shared by their routers. */
  source?: MigrationSource;
  redirects?: (router: ShardedRouter) => Redirects;
}

/** Commands of pub/sub that must meet on one node: the first. */
const ON_FIRST_NODE: ReadonlySet<string> = new Set(["spublish", "publish", "pubsub"]);

/** A command's destination: one node with the arguments to send there, or a refusal. */
type Pinned = { node: number; args: Uint8Array[] } | Uint8Array;

/**
 * One endpoint over many nodes (`Mode = "ring"` or `"cluster"`): each keyed command goes to
 * the node that owns its keys; multi-key commands whose keys are on several nodes are split
 * when they can be (MGET, MSET, DEL, UNLINK, EXISTS, TOUCH) and refused with CROSSSLOT
 * otherwise; keyspace commands fan out to every node and their replies are merged; other
 * keyless commands go to the first node. Each node has its own router, so a migration into a
 * ring is a migration into each of its nodes.
 */
export class ShardedRouter implements Router {
  readonly placement: Placement;
  #options: ShardedRouterOptions;
  #members = new Map<string, ShardMember>();
  #byIndex: ShardMember[] = [];
  #redirects: Redirects | undefined;

  /** See Router.redirection: over a Redis Cluster only (a ring never redirects). */
  readonly redirection: Router["redirection"];

  constructor(options: ShardedRouterOptions) {
    this.placement = options.placement;
    this.#options = options;
    const redirects = options.redirects?.(this);
    this.#redirects = redirects;
    this.redirection = redirects && ((reply, from) => redirects.redirection(reply, from));
    for (const node of this.placement.nodes) this.#memberOf(node);
  }

  #memberOf(node: ShardNode): ShardMember {
    let member = this.#members.get(node.addrText);
    if (member === undefined) {
      member = this.#options.member(node);
      this.#members.set(node.addrText, member);
    }
    return member;
  }

  /** The `[Source]` of a migration into the nodes, if any. */
  get source(): MigrationSource | undefined {
    return this.#options.source;
  }

  /** The member serving node `index` of the placement now. */
  member(index: number): ShardMember {
    // Node indexes never change meaning, so the lookup by address is done once per node.
    return this.#byIndex[index] ??= this.#memberOf(this.placement.nodes[index]);
  }

  /** The servers that hold keys now, in placement order. */
  get nodes(): Target[] {
    return this.placement.serving.map((i) => this.member(i).target);
  }

  /** The node that owns `key` under this router's placement. */
  ownerOf(key: Uint8Array): number {
    return nodeFor(this.placement, key);
  }

  get targets(): readonly Target[] {
    const nodes = [...this.#members.values()].map((m) => m.target);
    return this.#options.source ? [...this.#options.source.targets, ...nodes] : nodes;
  }

  /**
   * `destinationRedis` is healthy when every node answers; each node is listed too, as
   * `destinationRedis host:port`.
   */
  get probes(): HealthProbe[] {
    const probes = nodeProbes(this.placement.serving.map((i) => ({
      addrText: this.placement.nodes[i].addrText,
      target: this.member(i).target,
    })));
    return this.#options.source
      ? [...probes, ...this.#options.source.probes("sourceRedis")]
      : probes;
  }

  routedLength(args: Uint8Array[]): number {
    if (!this.#options.hashOverride) return args.length;
    return takeHashOverride(args).args.length;
  }

  /** Subscriptions and MONITOR run on the first node; PUBLISH goes there too. */
  get primary(): Target {
    return this.member(this.placement.serving[0]).target;
  }

  /** A migration into the nodes orders its commands per key (see Router.ordersKeys). */
  get ordersKeys(): boolean {
    return this.#options.source !== undefined;
  }

  route(
    args: Uint8Array[],
    spec: CommandSpec | undefined,
    context: RouteContext,
  ): Promise<Uint8Array> {
    const pending = this.#redirects?.pending;
    if (pending) {
      const reply = pending.then(() => this.route(args, spec, context));
      context.hold(reply);
      return reply;
    }
    if (this.#options.hashOverride) {
      const override = takeHashOverride(args);
      args = override.args;
      if (override.key !== undefined) {
        return this.#send({ shard: this.placement.shardOf(override.key) }, args, spec, context);
      }
    }
    const name = spec?.name;
    const source = this.#options.source;
    if (name === "dbsize" && source) {
      const serving = this.placement.serving;
      const nodes = serving.map((i) => this.member(i).target);
      const position = new Map(serving.map((node, i) => [node, i]));
      const ownerOf = (key: Uint8Array) => position.get(this.ownerOf(key)) ?? 0;
      return unionDbsize(source, nodes, ownerOf, context.db);
    }
    if (name !== undefined && FAN_OUT_COMMANDS.has(name)) {
      const serving = this.placement.serving;
      const count = serving.length;
      const run = (i: number, nodeArgs: Uint8Array[]) =>
        this.#send({ node: serving[i] }, nodeArgs, spec, context);
      const reply = fanOut(name, args, count, run, context.protocol);
      if (name === "flushdb" || name === "flushall") context.hold(reply);
      return reply;
    }
    const keys = name !== undefined && !ON_FIRST_NODE.has(name) ? extractKeys(spec!, args) : [];
    if (keys.length === 0) {
      return this.#send({ node: this.placement.serving[0] }, args, spec, context);
    }
    const shards = keys.map((ref) => this.placement.shardOf(ref.key));
    if (shards.every((shard) => shard === shards[0])) {
      return this.#send({ shard: shards[0] }, args, spec, context);
    }
    const parts = splitCommand(name!, args, keys, shards);
    if (parts === undefined) return Promise.resolve(CROSSSLOT);
    return Promise.all(
      parts.map((part) => this.#send({ shard: part.shard }, part.args, spec, context)),
    ).then((replies) => joinReplies(name!, parts, replies, context.protocol));
  }

  /**
   * The common case of {@linkcode route} without a promise: a command with at most one key
   * (or a `hash=` key) in a ring goes to its node's router's fast path. Everything else, and
   * every command in cluster mode (MOVED and ASK are followed on replies), takes `route`.
   */
  routeTo(
    args: Uint8Array[],
    spec: CommandSpec | undefined,
    context: RouteContext,
    sink: ReplySink,
  ): boolean {
    if (this.#redirects !== undefined || spec === undefined) return false;
    const name = spec.name;
    if (name === "dbsize" || FAN_OUT_COMMANDS.has(name)) return false;
    let key: Uint8Array | undefined;
    if (this.#options.hashOverride) ({ args, key } = takeHashOverride(args));
    if (key === undefined && !ON_FIRST_NODE.has(name)) {
      const keys = extractKeys(spec, args);
      if (keys.length > 1) return false;
      key = keys[0]?.key;
    }
    const placement = this.placement;
    const node = key === undefined
      ? placement.serving[0]
      : placement.nodeOfShard(placement.shardOf(key));
    return this.member(node).router.routeTo?.(args, spec, context, sink) ?? false;
  }

  #send(
    where: Where,
    args: Uint8Array[],
    spec: CommandSpec | undefined,
    context: RouteContext,
  ): Promise<Uint8Array> {
    if (this.#redirects) return this.#redirects.send(where, args, spec, context);
    const node = "node" in where ? where.node : this.placement.nodeOfShard(where.shard);
    return this.member(node).router.route(args, spec, context);
  }

  /**
   * Where a command inside a transaction runs: the node of its keys (of its `hash=` key), or
   * undefined when it names none; CROSSSLOT when its keys are on several nodes.
   */
  pin(
    args: Uint8Array[],
    spec: CommandSpec | undefined,
  ): PinnedCommand | Uint8Array | undefined {
    const pinned = this.#pin(args, spec);
    if (pinned === undefined || pinned instanceof Uint8Array) return pinned;
    return { target: this.member(pinned.node).target, args: pinned.args };
  }

  /** The index of the node whose member has `target`, among the members made so far. */
  nodeOf(target: Target): number | undefined {
    const index = this.#byIndex.findIndex((member) => member?.target === target);
    return index < 0 ? undefined : index;
  }

  #pin(args: Uint8Array[], spec: CommandSpec | undefined): Pinned | undefined {
    let key: Uint8Array | undefined;
    if (this.#options.hashOverride) {
      const override = takeHashOverride(args);
      args = override.args;
      key = override.key;
    }
    if (key !== undefined) return { node: this.ownerOf(key), args };
    const keys: KeyRef[] = spec && !ON_FIRST_NODE.has(spec.name) ? extractKeys(spec, args) : [];
    if (keys.length === 0) return undefined;
    const shards = keys.map((ref) => this.placement.shardOf(ref.key));
    if (shards.some((shard) => shard !== shards[0])) return CROSSSLOT;
    return { node: this.placement.nodeOfShard(shards[0]), args };
  }

  prepare(
    args: Uint8Array[],
    spec: CommandSpec | undefined,
    db: number,
  ): Promise<Uint8Array | undefined> | undefined {
    const pinned = this.#pin(args, spec);
    if (pinned === undefined || pinned instanceof Uint8Array) return undefined;
    return this.member(pinned.node).router.prepare(pinned.args, spec, db);
  }

  async checkDb(db: number): Promise<Uint8Array | undefined> {
    await this.#redirects?.pending;
    for (const i of this.placement.serving) {
      const refused = await this.member(i).router.checkDb(db);
      if (refused) return refused;
    }
    return undefined;
  }

  retire(): void {
    this.#redirects?.close();
    this.#options.source?.retire();
    for (const member of this.#members.values()) member.target.retire();
  }

  close(): void {
    this.#redirects?.close();
    this.#options.source?.close();
    for (const member of this.#members.values()) member.target.close();
  }
}

/**
 * `name` (`destinationRedis`), healthy when every node answers, and each node as
 * `name host:port`.
 */
export function nodeProbes(
  nodes: readonly { addrText: string; target: Target }[],
  name = "destinationRedis",
): HealthProbe[] {
  const all: HealthProbe = {
    name,
    ping: async () => {
      const results = await Promise.allSettled(nodes.map((node) => node.target.ping()));
      const down = results.flatMap((result, i) =>
        result.status === "rejected"
          ? [`${nodes[i].addrText}: ${(result.reason as Error).message}`]
          : []
      );
      if (down.length === 0) return;
      throw new Error(`${down.length} of ${nodes.length} nodes down (${down.join("; ")})`);
    },
  };
  return [
    all,
    ...nodes.flatMap((node) => node.target.probes(`${name} ${node.addrText}`)),
  ];
}
