import { extractKeys, lookupCommand } from "../commands/mod.ts";
import type { Reply } from "../resp/mod.ts";
import { keySlot, parseClusterSlots, SLOTS } from "../shard/mod.ts";
import type { RedisLink } from "./redis_link.ts";
import type { RedisUri } from "./redis_uri.ts";
import { type Arg, SyncClient, type SyncClientOptions } from "./sync_client.ts";

const encoder = new TextEncoder();
const asBytes = (arg: Arg) => (typeof arg === "string" ? encoder.encode(arg) : arg);

/**
 * The key a command is routed by (its first key, from the command table), or undefined for
 * keyless commands. DEBUG DIGEST-VALUE names its key without a key spec.
 */
function routingKey(args: readonly Arg[]): Uint8Array | undefined {
  const bytes = args.map(asBytes);
  if (bytes.length >= 3 && /^debug$/i.test(new TextDecoder().decode(bytes[0]))) return bytes[2];
  const spec = lookupCommand(bytes);
  if (!spec) return undefined;
  return extractKeys(spec, bytes)[0]?.key;
}

/**
 * A Redis Cluster as one RedisLink: the slot map comes from CLUSTER SLOTS, each command goes to
 * the master of its key's slot (keyless ones to the first master), pipelines are split per
 * node and put back in order. A MOVED or ASK reply refreshes the map and sends those commands
 * again (they are all repeatable here).
 */
export class ClusterClient implements RedisLink {
  #slots: SyncClient[] = [];
  #masters: SyncClient[] = [];
  #refreshing: Promise<void> | undefined;
  #closed = false;

  private constructor(readonly seed: RedisUri, readonly options: SyncClientOptions) {}

  get name(): string {
    return this.options.name;
  }

  static async open(seed: RedisUri, options: SyncClientOptions): Promise<ClusterClient> {
    const client = new ClusterClient(seed, options);
    await client.refresh();
    return client;
  }

  /**
   * Reads the slot map again and connects to any new master. Calls made while one runs share
   * it, so two never build maps from the same old one (and open a master twice).
   */
  refresh(): Promise<void> {
    this.#refreshing ??= this.#readMap().finally(() => this.#refreshing = undefined);
    return this.#refreshing;
  }

  async #readMap(): Promise<void> {
    const probe = this.#masters[0] ?? await SyncClient.open(this.seed, this.options);
    const reply = await probe.call("CLUSTER", "SLOTS");
    if (reply.type !== "array") {
      throw new Error(
        `${this.name}: CLUSTER SLOTS failed: ${
          reply.type === "error" ? reply.message : reply.type
        }`,
      );
    }
    const byAddress = new Map(this.#masters.map((m) => [m.uri.addrText, m]));
    if (!this.#masters.length) byAddress.set(this.seed.addrText, probe);
    const ranges = parseClusterSlots(reply, this.seed.addr.hostname) ?? [];
    const slots: SyncClient[] = new Array(SLOTS);
    const masters = new Set<SyncClient>();
    for (const { start, end, host, port, addrText } of ranges) {
      let node = byAddress.get(addrText);
      if (!node) {
        const uri = { ...this.seed, addr: { hostname: host, port }, addrText, db: 0 };
        node = await SyncClient.open(uri, this.options);
        byAddress.set(addrText, node);
      }
      masters.add(node);
      slots.fill(node, start, end + 1);
    }
    for (const [, node] of byAddress) if (!masters.has(node) || this.#closed) node.close();
    if (this.#closed) return;
    this.#slots = slots;
    this.#masters = [...masters];
  }

  #nodeFor(args: readonly Arg[]): SyncClient {
    const key = routingKey(args);
    return (key ? this.#slots[keySlot(key)] : undefined) ?? this.#masters[0];
  }

  call(...args: Arg[]): Promise<Reply> {
    return this.pipeline([args]).then(([reply]) => reply);
  }

  async pipeline(commands: readonly Arg[][]): Promise<Reply[]> {
    const replies: Reply[] = new Array(commands.length);
    let pending = commands.map((_, i) => i);
    for (let attempt = 0; pending.length; attempt++) {
      const groups = new Map<SyncClient, number[]>();
      for (const i of pending) {
        const node = this.#nodeFor(commands[i]);
        groups.set(node, [...groups.get(node) ?? [], i]);
      }
      await Promise.all([...groups].map(async ([node, indexes]) => {
        const answers = await node.pipeline(indexes.map((i) => commands[i]));
        indexes.forEach((i, n) => (replies[i] = answers[n]));
      }));
      const redirected = pending.filter((i) => {
        const reply = replies[i];
        return reply.type === "error" && /^(MOVED|ASK) /.test(reply.message);
      });
      if (!redirected.length || attempt >= 3) break;
      await this.refresh();
      pending = redirected;
    }
    return replies;
  }

  nodes(): RedisLink[] {
    return [...this.#masters];
  }

  /** Every master, as the slot map lists them now. */
  masters(): SyncClient[] {
    return [...this.#masters];
  }

  close(): void {
    this.#closed = true;
    for (const node of this.#masters) node.close();
  }
}
