import { lookupCommand } from "../commands/mod.ts";
import type { HealthProbe } from "../http/mod.ts";
import { concatBytes, RequestDecoder } from "../resp/mod.ts";
import type { MigrationSource, RouteContext, Target } from "../route/mod.ts";
import type { Request } from "../upstream/mod.ts";
import { nodeProbes, type ShardedRouter } from "./sharded_router.ts";

const encoder = new TextEncoder();

/**
 * A ring or a Redis Cluster as the `[Source]` of a migration. The commands a migration sends
 * its source name one key each (DUMP, PTTL, EXISTS, DEL, the compare-and-delete script) and go
 * to that key's node, following MOVED and ASK in a cluster; SCAN, DBSIZE, KEYS, RANDOMKEY and
 * FLUSHDB go to every node, with SCAN's cursor naming the node (see ShardedRouter). A
 * ShardedRouter of plain routers over the source's nodes does the routing.
 */
export class ShardedSource implements MigrationSource {
  readonly #router: ShardedRouter;

  constructor(router: ShardedRouter) {
    this.#router = router;
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
    // Commands of one key reach one node's shared connection, in this order.
    return commands.map((args) => this.call(clientDb, args, protocol));
  }

  #route(db: number, args: Uint8Array[], protocol: 2 | 3): Promise<Uint8Array> {
    // The migration orders its own commands: nothing here waits for earlier ones.
    const context: RouteContext = {
      db,
      protocol,
      settled: () => Promise.resolve(),
      hold: () => {},
    };
    return this.#router.route(args, lookupCommand(args), context);
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
    return nodeProbes(nodes, name);
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

/** The arguments of an encoded command (the proxy's own, so always one well-formed frame). */
function argumentsOf(frame: Request): Uint8Array[] {
  const bytes = frame instanceof Uint8Array ? frame : concatBytes(frame);
  return new RequestDecoder().push(bytes)[0];
}
