import type { CommandSpec } from "../commands/mod.ts";
import type { Log } from "../log/mod.ts";
import { decodeReply, encodeRequest, errorMessage } from "../resp/mod.ts";
import type { Redirection, RouteContext, Target } from "../route/mod.ts";
import { UpstreamError } from "../upstream/mod.ts";
import { ClusterPlacement, hostOf } from "./cluster_placement.ts";
import type { Redirects, ShardedRouter, Where } from "./sharded_router.ts";

/** Redirections followed for one command before its last reply is passed on as it is. */
const MAX_REDIRECTS = 5;
const ASKING = encodeRequest(["ASKING"]);
/** The clients' database: a cluster has only database 0. */
const CLIENT_DB = -1;

/** A `MOVED slot host:port` or `ASK slot host:port` error reply, read. */
interface Redirect {
  kind: "MOVED" | "ASK";
  slot: number;
  addrText: string;
}

/** The redirection an error reply asks for; undefined for any other reply. */
export function parseRedirect(reply: Uint8Array, from: string): Redirect | undefined {
  // '-M' or '-A': anything else is not a redirection, and is not decoded.
  if (reply[0] !== 0x2d || (reply[1] !== 0x4d && reply[1] !== 0x41)) return undefined;
  const match = /^(MOVED|ASK) (\d+) (.*):(\d+)$/.exec(errorMessage(reply) ?? "");
  if (!match) return undefined;
  const host = match[3] === "" ? hostOf(from) : match[3];
  const bracketed = host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
  return {
    kind: match[1] as Redirect["kind"],
    slot: Number(match[2]),
    addrText: `${bracketed}:${match[4]}`,
  };
}

/**
 * Keeps a ShardedRouter's cluster slot map current: read from a node at start and every
 * `refreshMs`, and at once after a MOVED. A MOVED command is sent again to the node named; an
 * ASK one (a slot being migrated) goes to the node named after ASKING, on a connection of its
 * own so that no other command comes between them.
 */
export class ClusterRedirects implements Redirects {
  #router: ShardedRouter;
  #placement: ClusterPlacement;
  #log: Log | undefined;
  #pending: Promise<void> | undefined;
  #refreshing: Promise<void> | undefined;
  #timer: ReturnType<typeof setInterval>;
  readonly #section: "source" | "destination";

  /** @param section the config section the cluster is (`[Source]` or `[Destination]`), for errors */
  constructor(
    router: ShardedRouter,
    refreshMs: number,
    log?: Log,
    section: "source" | "destination" = "destination",
  ) {
    this.#section = section;
    if (!(router.placement instanceof ClusterPlacement)) {
      throw new TypeError("ClusterRedirects needs a ClusterPlacement");
    }
    this.#router = router;
    this.#placement = router.placement;
    this.#log = log;
    const first = this.refresh();
    this.#pending = first;
    const done = () => {
      if (this.#pending === first) this.#pending = undefined;
    };
    first.then(done, done);
    this.#timer = setInterval(() => this.#refreshSoon(), refreshMs);
    Deno.unrefTimer(this.#timer);
  }

  get pending(): Promise<void> | undefined {
    return this.#pending;
  }

  /** Reads the slot map from the first node that gives one (masters first, then the rest). */
  refresh(): Promise<void> {
    this.#refreshing ??= this.#readMap().finally(() => this.#refreshing = undefined);
    return this.#refreshing;
  }

  #refreshSoon(): void {
    this.refresh().catch((error) => {
      this.#log?.error("cluster slot map refresh failed", { error: (error as Error).message });
    });
  }

  async #readMap(): Promise<void> {
    const placement = this.#placement;
    const order = [
      ...placement.serving,
      ...placement.nodes.map((_, i) => i).filter((i) => !placement.serving.includes(i)),
    ];
    const reasons: string[] = [];
    for (const node of order) {
      const addrText = placement.nodes[node].addrText;
      try {
        const reply = await this.#router.member(node).target.call(CLIENT_DB, ["CLUSTER", "SLOTS"]);
        if (placement.applySlots(decodeReply(reply), hostOf(addrText))) {
          // Connections to masters are made now rather than on a client's first command.
          for (const master of placement.serving) this.#router.member(master);
          return;
        }
        reasons.push(`${addrText}: ${errorMessage(reply) ?? "not a slot map"}`);
      } catch (error) {
        reasons.push((error as Error).message);
      }
    }
    throw new UpstreamError(
      this.#section,
      `cannot read the cluster's slot map (${reasons.join("; ")})`,
    );
  }

  async send(
    where: Where,
    args: Uint8Array[],
    spec: CommandSpec | undefined,
    context: RouteContext,
  ): Promise<Uint8Array> {
    const placement = this.#placement;
    let node = "node" in where ? where.node : placement.nodeOfShard(where.shard);
    let reply = await this.#router.member(node).router.route(args, spec, context);
    for (let hop = 0; hop < MAX_REDIRECTS; hop++) {
      const redirect = parseRedirect(reply, placement.nodes[node].addrText);
      if (redirect === undefined) return reply;
      node = placement.nodeIndex(redirect.addrText);
      if (redirect.kind === "ASK") return await this.#ask(node, args, context);
      placement.moved(redirect.slot, node);
      this.#refreshSoon();
      reply = await this.#router.member(node).router.route(args, spec, context);
    }
    return reply;
  }

  redirection(reply: Uint8Array, from: Target): Redirection | undefined {
    const placement = this.#placement;
    const fromNode = this.#router.nodeOf(from);
    if (fromNode === undefined) return undefined;
    const redirect = parseRedirect(reply, placement.nodes[fromNode].addrText);
    if (redirect === undefined) return undefined;
    const node = placement.nodeIndex(redirect.addrText);
    if (redirect.kind === "MOVED") {
      placement.moved(redirect.slot, node);
      this.#refreshSoon();
    }
    return { target: this.#router.member(node).target, asking: redirect.kind === "ASK" };
  }

  async #ask(node: number, args: Uint8Array[], context: RouteContext): Promise<Uint8Array> {
    const target = this.#router.member(node).target;
    const pool = target.pool;
    const conn = await pool.acquire(target.db(context.db), context.protocol);
    try {
      const [, reply] = await Promise.all([conn.send(ASKING), conn.send(encodeRequest(args))]);
      return reply;
    } finally {
      pool.release(conn);
    }
  }

  close(): void {
    clearInterval(this.#timer);
  }
}
