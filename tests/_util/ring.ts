import { parseConfig } from "../../lib/config/mod.ts";
import { type RunningProxy, startProxy } from "../../lib/cli/mod.ts";
import { ketamaName, RingPlacement } from "../../lib/shard/mod.ts";
import { RedisServer } from "../../lib/redis_process/mod.ts";
import { ioredisClient } from "./clients.ts";

/** Options of {@linkcode Sharded.start}. */
export interface ShardedOptions {
  /** Ring nodes to start (3); ignored with `cluster`. */
  nodes?: number;
  /** Entries of `Addrs` for the started nodes (default `host:port`). */
  entry?: (server: RedisServer, index: number) => string;
  /** A `[Source]` server too: a migration into the ring. */
  withSource?: boolean;
  /** Servers of a running Redis Cluster: `Mode = "cluster"` with them as seeds. */
  cluster?: RedisServer[];
  /** More lines for `[Destination]`. */
  destination?: string;
  /** More top-level lines. */
  top?: string;
}

/**
 * A ring of redis-servers (or a given Redis Cluster) behind the proxy, configured through TOML
 * as users write it. Dispose with `await using`.
 */
export class Sharded implements AsyncDisposable {
  private constructor(
    public nodes: RedisServer[],
    readonly source: RedisServer | undefined,
    readonly proxy: RunningProxy,
    readonly owned: RedisServer[],
    readonly configText: (nodes: RedisServer[]) => string,
  ) {}

  static async start(options: ShardedOptions = {}): Promise<Sharded> {
    const owned = options.cluster ? [] : await Promise.all(
      Array.from({ length: options.nodes ?? 3 }, () => RedisServer.start()),
    );
    const nodes = options.cluster ?? owned;
    const source = options.withSource ? await RedisServer.start() : undefined;
    const entry = options.entry ?? ((server) => server.addr);
    const mode = options.cluster ? "cluster" : "ring";
    const text = (nodes: RedisServer[]) =>
      [
        options.top ?? "",
        ...(source ? ["[Source]", `Addr = "${source.addr}"`] : []),
        "[Destination]",
        `Mode = "${mode}"`,
        `Addrs = [${nodes.map((n, i) => JSON.stringify(entry(n, i))).join(", ")}]`,
        options.destination ?? "",
      ].join("\n");
    const config = parseConfig(text(nodes), "sharded.toml");
    const proxy = startProxy(config, { host: "127.0.0.1", port: 0, instruPort: 0 });
    return new Sharded(nodes, source, proxy, source ? [...owned, source] : owned, text);
  }

  /**
   * Reloads the proxy with `nodes` as the ring's `Addrs` (started servers are stopped with the
   * ring); `nodes` then tells where keys belong.
   */
  async resize(nodes: RedisServer[]): ReturnType<RunningProxy["reload"]> {
    for (const node of nodes) if (!this.owned.includes(node)) this.owned.push(node);
    const outcome = await this.proxy.reload(parseConfig(this.configText(nodes), "sharded.toml"));
    this.nodes = nodes;
    return outcome;
  }

  /** The ring placement of `nodes` (default: the ring's), as the proxy builds it. */
  placement(nodes: RedisServer[] = this.nodes): RingPlacement {
    return new RingPlacement(
      nodes.map((n) => ({ addrText: n.addr, name: ketamaName(n.addr), weight: 1 })),
    );
  }

  /** The index in `nodes` of the node that owns `key`. */
  ownerIndex(key: string, nodes: RedisServer[] = this.nodes): number {
    const placement = this.placement(nodes);
    return placement.nodeOfShard(placement.shardOf(new TextEncoder().encode(key)));
  }

  /** A client of the proxy. */
  client() {
    return ioredisClient(this.proxy.port);
  }

  /** A client of node `i`, bypassing the proxy. */
  nodeClient(i: number) {
    return ioredisClient(this.nodes[i].port);
  }

  /** The index of the node holding `key`, asked of the servers themselves. */
  async holder(key: string): Promise<number[]> {
    const found: number[] = [];
    for (let i = 0; i < this.nodes.length; i++) {
      await using client = this.nodeClient(i);
      if (await client.exists(key)) found.push(i);
    }
    return found;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.proxy.close();
    await Promise.all(this.owned.map((server) => server.stop()));
  }
}
