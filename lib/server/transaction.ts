import type { CommandSpec } from "../commands/mod.ts";
import { decodeReply, encodeCommand, encodeError, encodeRequest, OK, QUEUED } from "../resp/mod.ts";
import type { Router, Target } from "../route/mod.ts";
import { CROSSSLOT } from "../shard/mod.ts";
import type { Request, UpstreamConnection, UpstreamPool } from "../upstream/mod.ts";
import { bytesToText } from "../util/key_string.ts";
import { SUBSCRIBE_COMMANDS } from "./subscriber.ts";
import { ClusterTransactionLog } from "./transaction_replay.ts";

/** What a transaction needs from the client session it belongs to. */
export interface TransactionHost {
  /** The client's selected database; set when a SELECT queued in MULTI ran. */
  db: number;
  readonly protocol: 2 | 3;
  readonly router: Router;
  /** Holds the client's later commands until `dispatched` settles (see RouteContext.hold). */
  hold(dispatched: Promise<unknown>): void;
  /** The proxy's refusal of a command (FLUSHALL when not allowed, DEBUG, ...), if any. */
  refuse(name: string): Uint8Array | undefined;
}

/** Commands that start, end or belong to a transaction. */
export const TRANSACTION_COMMANDS: ReadonlySet<string> = new Set([
  "multi",
  "exec",
  "discard",
  "watch",
  "unwatch",
]);

/**
 * Commands about the client's connection to the proxy, which the proxy answers itself. Queued
 * on the upstream connection they would change that connection instead of the client's state,
 * so inside MULTI they are refused and the transaction is discarded at EXEC, as Redis does for
 * commands it refuses to queue.
 */
const NOT_QUEUEABLE: ReadonlySet<string> = new Set([
  "auth",
  "hello",
  "client",
  "monitor",
  ...SUBSCRIBE_COMMANDS,
]);

const EXECABORT = encodeError("EXECABORT Transaction discarded because of previous errors.");
const EXEC_FRAME = encodeCommand(["EXEC"]);
const MULTI_FRAME = encodeCommand(["MULTI"]);
const DISCARD_FRAME = encodeCommand(["DISCARD"]);
const RESET_FRAME = encodeCommand(["RESET"]);

interface QueuedSelect {
  /** Position of the SELECT among the queued commands, i.e. in EXEC's reply. */
  index: number;
  db: number;
}

/**
 * MULTI/EXEC/DISCARD and WATCH/UNWATCH for one client, on a dedicated connection to the
 * primary server taken at WATCH or MULTI and given back after EXEC, DISCARD or UNWATCH.
 *
 * Commands inside MULTI are sent to that connection as they arrive, so the server queues them
 * and answers QUEUED or its own error, and EXEC runs them atomically. Before a command is
 * queued the router prepares its keys (in migration mode: copied to the destination, source
 * copies it would make obsolete deleted), so every key the transaction names is on the
 * destination before EXEC. WATCHed keys are prepared the same way before WATCH is sent.
 *
 * Over a ring or a cluster (a router with `pin`) the transaction runs on the node of the first
 * command that names keys (or of WATCH's keys): MULTI and the keyless commands before that one
 * wait in the proxy, answered OK and QUEUED, and are sent ahead of it. A later command whose
 * keys are on another node gets CROSSSLOT and EXEC aborts, as in Redis Cluster. Over a Redis
 * Cluster, a queued command answered MOVED or ASK (its slot moved, or is moving) is answered
 * QUEUED, and once that node refused EXEC the whole transaction is queued again on the node
 * named and run there; not after WATCH, whose keys were watched on the first node.
 */
export class Transaction {
  #host: TransactionHost;
  #conn: UpstreamConnection | undefined;
  #opening: Promise<UpstreamConnection> | undefined;
  /** Where the connection came from: after a reload the router's pool is another one. */
  #pool: UpstreamPool | undefined;
  #inMulti = false;
  #queued = 0;
  #dirty = false;
  #selects: QueuedSelect[] = [];
  /** The database queued commands will run in: a queued SELECT changes it. */
  #db = 0;
  /** Over several nodes: the node the transaction runs on, once a command chose it. */
  #target: Target | undefined;
  /** Over several nodes: MULTI and the keyless commands sent once the node is known. */
  #waiting: Request[] | undefined;
  /** Over a Redis Cluster: what to queue again elsewhere when the node redirects. */
  #log: ClusterTransactionLog | undefined;

  constructor(host: TransactionHost) {
    this.#host = host;
  }

  /** True while the client is watching keys or inside MULTI. */
  get active(): boolean {
    return this.#opening !== undefined || this.#inMulti;
  }

  /** The transaction's connection is taken (or being opened). */
  get #opened(): boolean {
    return this.#opening !== undefined;
  }

  /** Commands queued since MULTI, or -1 outside MULTI (CLIENT INFO's `multi` field). */
  get queuedCount(): number {
    return this.#inMulti ? this.#queued : -1;
  }

  /**
   * The reply to a command while a transaction is active, or to a transaction command.
   * Undefined when the command is not the transaction's business (outside MULTI, only
   * watching) and is routed as usual.
   */
  handle(
    name: string,
    spec: CommandSpec | undefined,
    args: Uint8Array[],
  ): Uint8Array | Promise<Uint8Array> | undefined {
    switch (name) {
      case "multi":
        if (!this.#inMulti && this.#host.router.pin && !this.#opened) {
          this.#inMulti = true;
          this.#queued = 0;
          this.#dirty = false;
          this.#selects = [];
          this.#db = this.#host.db;
          this.#waiting = [MULTI_FRAME];
          if (this.#host.router.redirection) this.#log = new ClusterTransactionLog([MULTI_FRAME]);
          return OK;
        }
        if (!this.#inMulti) {
          this.#begin();
          this.#inMulti = true;
          this.#queued = 0;
          this.#dirty = false;
          this.#selects = [];
          this.#db = this.#host.db;
        }
        return this.#send(encodeRequest(args));
      case "exec":
        if (this.#host.router.pin && this.#inMulti && !this.#opened && !this.#dirty) {
          this.#pinTo(this.#host.router.primary);
        }
        return this.#inMulti ? this.#exec() : encodeError("ERR EXEC without MULTI");
      case "discard":
        if (!this.#inMulti) return encodeError("ERR DISCARD without MULTI");
        if (!this.#opened) {
          this.#inMulti = false;
          this.#waiting = undefined;
          this.#log = undefined;
          return OK;
        }
        return this.#finish(this.#send(DISCARD_FRAME));
      case "watch": {
        if (this.#inMulti) return this.#send(encodeRequest(args));
        const pinned = this.#host.router.pin?.(args, spec);
        if (pinned instanceof Uint8Array) return pinned;
        if (pinned && this.#target && pinned.target !== this.#target) return CROSSSLOT;
        this.#begin(pinned?.target);
        if (this.#host.router.redirection) {
          this.#log ??= new ClusterTransactionLog();
          this.#log.watched = true;
        }
        const prepared = this.#host.router.prepare(args, spec, this.#db);
        const reply = this.#send(encodeRequest(pinned?.args ?? args), prepared);
        return this.#followRedirection(reply, true);
      }
      case "unwatch":
        if (this.#inMulti) break;
        if (!this.#opened) return OK;
        return this.#finish(this.#send(encodeRequest(args)));
    }
    if (!this.#inMulti) return undefined;
    return this.#queue(name, spec, args);
  }

  /**
   * Over several nodes: the node a queued command runs on, and what is sent there. Opens the
   * transaction there with the commands waiting for it; CROSSSLOT for another node.
   */
  #pin(
    spec: CommandSpec | undefined,
    args: Uint8Array[],
  ): { args: Uint8Array[]; keyed: boolean } | Uint8Array {
    const pinned = this.#host.router.pin!(args, spec);
    if (pinned === undefined) return { args, keyed: false };
    if (pinned instanceof Uint8Array) return pinned;
    if (!this.#opened) this.#pinTo(pinned.target);
    // A command redirected from this node taught the router where the slot is now.
    else if (this.#target !== pinned.target && this.#log?.redirection?.target !== pinned.target) {
      return CROSSSLOT;
    }
    return { args: pinned.args, keyed: true };
  }

  #pinTo(target: Target): void {
    const db = this.#db;
    this.#begin(target);
    this.#db = db;
    // A SELECT that waited changes the connection's database (see #queueSelect).
    if (this.#selects.length > 0) this.#opening?.then((conn) => conn.tainted = true, () => {});
    const waiting = this.#waiting ?? [];
    this.#waiting = undefined;
    for (const frame of waiting) this.#send(frame).catch(() => {});
  }

  /** A command refused before queueing (NOPERM): inside MULTI, EXEC will abort. */
  reject(reply: Uint8Array): Uint8Array {
    if (this.#inMulti) this.#dirty = true;
    return reply;
  }

  /** Ends the transaction without running it (RESET, QUIT, disconnect). */
  abandon(): void {
    const opening = this.#opening;
    const pool = this.#pool;
    this.#opening = undefined;
    this.#conn = undefined;
    this.#inMulti = false;
    this.#target = undefined;
    this.#waiting = undefined;
    this.#log = undefined;
    // Commands already sent still get their replies; the connection closes after them.
    opening?.then((conn) => {
      conn.tainted = true;
      const release = () => pool?.release(conn);
      conn.send(RESET_FRAME).then(release, release);
    }, () => {});
  }

  #begin(primary: Target = this.#host.router.primary): void {
    if (this.#opening) return;
    const host = this.#host;
    this.#db = host.db;
    this.#target = primary;
    const opening = primary.pool.acquire(primary.db(host.db), host.protocol);
    this.#opening = opening;
    this.#pool = primary.pool;
    opening.then((conn) => {
      if (this.#opening === opening) this.#conn = conn;
    }, () => {
      // Without its connection the transaction is over: later commands are not queued.
      if (this.#opening !== opening) return;
      this.#opening = undefined;
      this.#inMulti = false;
      this.#target = undefined;
    });
  }

  #queue(
    name: string,
    spec: CommandSpec | undefined,
    args: Uint8Array[],
  ): Uint8Array | Promise<Uint8Array> {
    const refused = NOT_QUEUEABLE.has(name)
      ? encodeError(`ERR '${name}' inside MULTI is not supported by remiro`)
      : this.#host.refuse(name);
    if (refused) {
      this.#dirty = true;
      return refused;
    }
    let sent = args;
    let keyed = false;
    if (this.#host.router.pin) {
      const pinned = this.#pin(spec, args);
      if (pinned instanceof Uint8Array) {
        this.#dirty = true;
        return pinned;
      }
      ({ args: sent, keyed } = pinned);
    }
    if (name === "select") this.#queueSelect(args);
    this.#queued++;
    const frame = encodeRequest(sent);
    this.#log?.frames.push(frame);
    if (this.#waiting) {
      this.#waiting.push(frame);
      return QUEUED;
    }
    const prepared = this.#host.router.prepare(args, spec, this.#db);
    return this.#followRedirection(this.#send(frame, prepared), keyed);
  }

  /** Over a Redis Cluster: see ClusterTransactionLog.follow. */
  #followRedirection(reply: Promise<Uint8Array>, keyed: boolean): Promise<Uint8Array> {
    const from = this.#target;
    if (this.#log === undefined || from === undefined) return reply;
    return this.#log.follow(reply, this.#host.router, from, keyed);
  }

  /**
   * A queued SELECT changes the database of the commands queued after it, and the client's
   * database once EXEC ran it. The connection then is in another database than the pool
   * thinks: it is closed instead of reused.
   */
  #queueSelect(args: Uint8Array[]): void {
    const text = args.length === 2 ? bytesToText(args[1]) : "";
    if (!/^\d+$/.test(text)) return;
    const db = Number(text);
    this.#selects.push({ index: this.#queued, db });
    this.#db = db;
    this.#opening?.then((conn) => conn.tainted = true, () => {});
  }

  #exec(): Promise<Uint8Array> | Uint8Array {
    if (this.#dirty) {
      if (this.#opened) this.#finish(this.#send(DISCARD_FRAME)).catch(() => {});
      else this.#finish(Promise.resolve(OK));
      return EXECABORT;
    }
    const selects = this.#selects;
    const log = this.#log;
    let reply = this.#finish(this.#send(EXEC_FRAME));
    if (log && !log.watched) {
      reply = log.settle(reply, this.#host.router, this.#db, this.#host.protocol);
      // A transaction queued again elsewhere runs after EXEC's first reply: the client's
      // later commands, which the slot map now sends to that node too, must wait for it.
      this.#host.hold(reply);
    }
    if (selects.length === 0) return reply;
    return reply.then((frame) => {
      const results = decodeReply(frame);
      if (results.type !== "array") return frame;
      for (const { index, db } of selects) {
        const result = results.value[index];
        if (result?.type === "simple" && result.value === "OK") this.#host.db = db;
      }
      return frame;
    });
  }

  /** Ends the transaction once `reply` (EXEC's, DISCARD's or UNWATCH's) has arrived. */
  #finish(reply: Promise<Uint8Array>): Promise<Uint8Array> {
    const opening = this.#opening;
    const pool = this.#pool;
    this.#opening = undefined;
    this.#conn = undefined;
    this.#inMulti = false;
    this.#target = undefined;
    this.#waiting = undefined;
    this.#log = undefined;
    const release = () => {
      opening?.then((conn) => pool?.release(conn), () => {});
    };
    reply.then(release, release);
    return reply;
  }

  /**
   * Sends on the transaction's connection in the client's order: straight away when the
   * connection is open and nothing needs preparing, otherwise holding the client's later
   * commands until this one is sent.
   */
  #send(
    frame: Request,
    prepared?: Promise<Uint8Array | undefined>,
  ): Promise<Uint8Array> {
    const conn = this.#conn;
    if (conn && prepared === undefined) return conn.send(frame);
    const opening = this.#opening;
    if (!opening) return Promise.resolve(encodeError("ERR transaction connection lost"));
    const dispatch = (async () => {
      const refused = await prepared;
      if (refused) {
        // A key that could not be copied: the command was never queued, so EXEC must abort.
        this.#dirty = true;
        return { reply: Promise.resolve(refused) };
      }
      return { reply: (await opening).send(frame) };
    })();
    this.#host.hold(dispatch);
    return dispatch.then((d) => d.reply);
  }
}
