import { lookupCommand } from "../commands/mod.ts";
import type { HealthProbe } from "../http/mod.ts";
import type { Log } from "../log/mod.ts";
import { concatBytes, decodeReply, RequestDecoder } from "../resp/mod.ts";
import { DEFAULT_DB, type MigrationSource, type RouteContext, type Target } from "../route/mod.ts";
import { type Request, UpstreamError } from "../upstream/mod.ts";
import { printableKey } from "../util/mod.ts";
import { keyspaceDatabases } from "./keyspace_databases.ts";
import { nodeProbes, type ShardedRouter } from "./sharded_router.ts";

const encoder = new TextEncoder();
/** Keys looked at in each database of each node of a ring source before it is used. */
const PLACEMENT_SAMPLE = 200;

/** Options of a {@linkcode ShardedSource}. */
export interface ShardedSourceOptions {
  /**
   * A ring: before any command, sample each node's keys and refuse the source if they are not
   * where the ring places them (a cluster places keys itself, and says so with MOVED).
   */
  checkPlacement: boolean;
  log?: Log;
}

/**
 * A ring or a Redis Cluster as the `[Source]` of a migration. The commands a migration sends
 * its source name one key each (DUMP, PTTL, EXISTS, DEL, the compare-and-delete script) and go
 * to that key's node, following MOVED and ASK in a cluster; SCAN, DBSIZE, KEYS, RANDOMKEY and
 * FLUSHDB go to every node, with SCAN's cursor naming the node (see ShardedRouter). A
 * ShardedRouter of plain routers over the source's nodes does the routing.
 */
export class ShardedSource implements MigrationSource {
  readonly #router: ShardedRouter;
  readonly #options: ShardedSourceOptions;
  // Settles once the ring's placement was checked; rejected for good when keys are misplaced.
  #placement: Promise<void> | undefined;

  constructor(router: ShardedRouter, options: ShardedSourceOptions) {
    this.#router = router;
    this.#options = options;
  }

  send(clientDb: number, _command: string, frame: Request, protocol: 2 | 3 = 2) {
    return this.#route(clientDb, argumentsOf(frame), protocol);
  }

  call(clientDb: number, args: readonly (string | Uint8Array)[], protocol: 2 | 3 = 2) {
    const bytes = args.map((arg) => typeof arg === "string" ? encoder.encode(arg) : arg);
    return this.#route(clientDb, bytes, protocol);
  }

  callAll(
    clientDb: number,
    commands: readonly (readonly (string | Uint8Array)[])[],
    protocol: 2 | 3 = 2,
  ): Promise<Uint8Array>[] {
    // Commands of one key reach one node's shared connection, in this order; while its slot
    // migrates (ASK), each goes on a connection of its own, and the copier's key lock keeps the
    // proxy's own writes to that key (the only writes a source in migration gets) away.
    return commands.map((args) => this.call(clientDb, args, protocol));
  }

  async #route(db: number, args: Uint8Array[], protocol: 2 | 3): Promise<Uint8Array> {
    // Every command awaits the same check, so commands keep the order they were sent in.
    await this.placementChecked();
    // The migration orders its own commands: nothing here waits for earlier ones.
    const context: RouteContext = {
      db,
      protocol,
      settled: () => Promise.resolve(),
      hold: () => {},
    };
    return await this.#router.route(args, lookupCommand(args), context);
  }

  /**
   * Resolves once a ring's keys were found where the ring places them; rejects with an
   * UpstreamError naming a misplaced key otherwise. A misplaced key would read as absent and a
   * delete would miss it, so a source placed differently (twemproxy with another hash, other
   * server names) is refused rather than half read. A check that could not reach a node is
   * tried again on the next command.
   */
  placementChecked(): Promise<void> {
    if (!this.#options.checkPlacement) return Promise.resolve();
    this.#placement ??= this.#checkPlacement().catch((error) => {
      if (!(error instanceof MisplacedKeys)) this.#placement = undefined;
      throw error;
    });
    return this.#placement;
  }

  async #checkPlacement(): Promise<void> {
    const router = this.#router;
    const { placement } = router;
    let sampled = 0;
    const misplaced: string[] = [];
    for (const node of placement.serving) {
      const target = router.member(node).target;
      // A user not allowed INFO (a read-only migration user often is not) has its keys
      // checked in the configured database only.
      const databases = await keyspaceDatabases(target).catch((error: Error) => {
        if (error instanceof UpstreamError) throw error;
        return [DEFAULT_DB];
      });
      for (const db of databases) {
        const reply = decodeReply(
          await target.call(db, ["SCAN", "0", "COUNT", `${PLACEMENT_SAMPLE}`]),
        );
        if (reply.type === "error") throw new UpstreamError("source", reply.message);
        if (reply.type !== "array" || reply.value[1]?.type !== "array") continue;
        for (const item of reply.value[1].value) {
          if (item.type !== "bulk") continue;
          sampled++;
          const owner = router.ownerOf(item.value);
          if (owner === node) continue;
          misplaced.push(
            `key ${printableKey(item.value)}${db === DEFAULT_DB ? "" : ` (db ${db})`} is on ` +
              `${placement.nodes[node].addrText} ` +
              `but the ring places it on ${placement.nodes[owner].addrText}`,
          );
        }
      }
    }
    if (misplaced.length === 0) return;
    const error = new MisplacedKeys(
      "source",
      `keys are not where the [Source] ring places them (${misplaced.length} of ${sampled} ` +
        `sampled; ${misplaced[0]}): the ring must be nutcracker's with hash: md5, ` +
        `distribution: ketama, hash_tag: "{}" and the same servers, names and weights, and ` +
        `hold no key written with a hash= override`,
    );
    this.#options.log?.error("source ring refused", { error: error.reason });
    throw error;
  }

  checkDb(clientDb: number): Promise<Uint8Array | undefined> {
    return this.#router.checkDb(clientDb);
  }

  probes(name: string): HealthProbe[] {
    const { placement } = this.#router;
    const nodes = placement.serving.map((i) => ({
      addrText: placement.nodes[i].addrText,
      target: this.#router.member(i).target,
    }));
    const [all, ...each] = nodeProbes(nodes, name);
    const ping = async () => {
      await all.ping();
      await this.placementChecked();
    };
    return [{ ...all, ping }, ...each];
  }

  get targets(): readonly Target[] {
    return this.#router.nodes;
  }

  retire(): void {
    this.#router.retire();
  }

  close(): void {
    this.#router.close();
  }
}

/**
 * The arguments of an encoded command: one the proxy built, or a client's canonical request
 * (see RequestDecoder.frames), so always one well-formed frame.
 */
function argumentsOf(frame: Request): Uint8Array[] {
  const bytes = frame instanceof Uint8Array ? frame : concatBytes(frame);
  return new RequestDecoder().push(bytes)[0];
}

/** A ring source whose keys are not where its placement says: refused for good. */
class MisplacedKeys extends UpstreamError {
  override name = "MisplacedKeys";
}
