import type { HealthProbe, Metrics } from "../http/mod.ts";
import { encodeError, encodeRequest, errorMessage } from "../resp/mod.ts";
import {
  type ReplySink,
  type Request,
  type UpstreamConnection,
  UpstreamError,
  UpstreamPool,
} from "../upstream/mod.ts";

/**
 * Where a target's commands go when it is a group of servers: the current master's pool, and
 * replicas' pools for reads (a failover group implements it).
 */
export interface PoolSource {
  /** The pool writes go to; may throw the group's failure when no server is known. */
  readonly primary: UpstreamPool;
  /** A pool for a read-only command, or undefined to use the primary. */
  reader(): UpstreamPool | undefined;
  /** Until the group knows its master: commands wait for it. */
  readonly pending: Promise<void> | undefined;
  /** Why no command can run now (no master), or undefined. */
  readonly failure: UpstreamError | undefined;
  /** Health probes: the group as `name`, each member listed. */
  probes(name: string): HealthProbe[];
  retire(): void;
  close(): void;
}

/** Replicated and otherwise inert: moves a connection's write offset for WAIT. */
const WAIT_MARK = encodeRequest(["PUBLISH", "__remiro__:wait", ""]);

/** The database a client has not changed with SELECT: each server's configured `DB`. */
export const DEFAULT_DB = -1;

/**
 * One upstream server as routers see it: its pool, its configured database, and the
 * `remiro_command_count` counter for everything sent to it.
 */
export class Target {
  /** The group behind this target, when it is one. */
  readonly group: PoolSource | undefined;
  /** The one server's pool, when the target is not a group: the fast path. */
  #single: UpstreamPool | undefined;

  constructor(
    readonly name: "source" | "destination",
    pools: UpstreamPool | PoolSource,
    readonly defaultDb: number,
    readonly metrics: Metrics,
  ) {
    if (pools instanceof UpstreamPool) this.#single = pools;
    else this.group = pools;
  }

  /** The pool writes go to (a group's current master). */
  get pool(): UpstreamPool {
    return this.#single ?? this.group!.primary;
  }

  /** True when read-only commands may go elsewhere than writes (a group reading replicas). */
  get splitsReads(): boolean {
    return this.group !== undefined;
  }

  /** Itself: a single server or group as a MigrationSource. */
  get targets(): readonly Target[] {
    return [this];
  }

  /** Health probes: one PING, or the group and each of its members. */
  probes(name: string): HealthProbe[] {
    return this.group?.probes(name) ?? [{ name, ping: () => this.ping() }];
  }

  retire(): void {
    (this.#single ?? this.group!).retire();
  }

  close(): void {
    (this.#single ?? this.group!).close();
  }

  /** Resolves when a group can take commands, rejects with its failure; undefined when it can. */
  #notReady(): Promise<void> | undefined {
    const group = this.group;
    if (group === undefined) return undefined;
    if (group.pending) return group.pending.then(() => this.#notReady());
    const failure = group.failure;
    return failure ? Promise.reject(failure) : undefined;
  }

  /** The server-side database for a client's database ({@linkcode DEFAULT_DB} = configured). */
  db(clientDb: number): number {
    return clientDb === DEFAULT_DB ? this.defaultDb : clientDb;
  }

  /**
   * Sends an encoded command on the shared pipelined connection speaking `protocol` (RESP3
   * clients get RESP3 replies from RESP3 connections; nothing is converted).
   */
  send(
    clientDb: number,
    command: string,
    frame: Request,
    protocol: 2 | 3 = 2,
    readOnly = false,
  ): Promise<Uint8Array> {
    const pool = this.#readyPool(readOnly);
    if (pool === undefined) {
      return this.#notReady()!.then(() => this.send(clientDb, command, frame, protocol, readOnly));
    }
    this.metrics.commandSent(this.name, command);
    return pool.send(this.db(clientDb), frame, protocol);
  }

  /** As {@linkcode send}, with the reply delivered to `sink` instead of a promise. */
  sendTo(
    clientDb: number,
    command: string,
    frame: Request,
    protocol: 2 | 3,
    readOnly: boolean,
    sink: ReplySink,
  ): void {
    const pool = this.#readyPool(readOnly);
    if (pool === undefined) {
      this.send(clientDb, command, frame, protocol, readOnly).then(
        (reply) => sink.resolve(reply),
        (error) => sink.reject(error),
      );
      return;
    }
    this.metrics.commandSent(this.name, command);
    pool.sendTo(this.db(clientDb), frame, protocol, sink);
  }

  /**
   * The pool a command goes to now: the one server's, or a group's master's (a replica's for a
   * read-only command when the group reads from replicas); undefined while a group has no
   * master to send to ({@linkcode #notReady} says when it will, or why not).
   */
  #readyPool(readOnly: boolean): UpstreamPool | undefined {
    if (this.#single) return this.#single;
    const group = this.group!;
    if (group.pending || group.failure) return undefined;
    return (readOnly ? group.reader() : undefined) ?? group.primary;
  }

  /** Encodes and sends a command built by the proxy itself. */
  call(
    clientDb: number,
    args: readonly (string | Uint8Array)[],
    protocol: 2 | 3 = 2,
  ): Promise<Uint8Array> {
    return this.send(clientDb, commandName(args[0]), encodeRequest(args), protocol);
  }

  /** Sends commands back to back on one connection, one promise per command. */
  callAll(
    clientDb: number,
    commands: readonly (readonly (string | Uint8Array)[])[],
    protocol: 2 | 3 = 2,
  ): Promise<Uint8Array>[] {
    return commands.map((args) => this.call(clientDb, args, protocol));
  }

  /**
   * Runs a command that may block the connection (BLPOP, XREAD BLOCK) on a dedicated
   * connection, so it never stalls the commands of other clients.
   */
  sendBlocking(
    clientDb: number,
    command: string,
    frame: Request,
    protocol: 2 | 3 = 2,
  ): Promise<Uint8Array> {
    return this.#onDedicated(clientDb, protocol, [command], (conn) => conn.send(frame));
  }

  /**
   * WAIT or WAITAOF for a client whose writes went over shared connections, on a dedicated
   * one. Redis counts acknowledgements up to the replication offset of the connection's own
   * last write, so WAIT on a connection that wrote nothing returns at once, whatever the
   * client wrote elsewhere. A PUBLISH on the same connection first is replicated, so it moves
   * that offset past every write the master has run; callers send this only once the
   * client's earlier commands have their replies.
   */
  sendWait(
    clientDb: number,
    command: string,
    frame: Request,
    protocol: 2 | 3 = 2,
  ): Promise<Uint8Array> {
    return this.#onDedicated(clientDb, protocol, ["publish", command], async (conn) => {
      const [marked, reply] = await Promise.all([conn.send(WAIT_MARK), conn.send(frame)]);
      const refused = errorMessage(marked);
      if (refused === undefined) return reply;
      return encodeError(
        `ERR ${command.toUpperCase()} through remiro needs PUBLISH on the ${this.name} to ` +
          `cover this client's writes, and it was refused: ${refused}`,
      );
    });
  }

  async #onDedicated(
    clientDb: number,
    protocol: 2 | 3,
    commands: string[],
    run: (conn: UpstreamConnection) => Promise<Uint8Array>,
  ): Promise<Uint8Array> {
    await this.#notReady();
    for (const command of commands) this.metrics.commandSent(this.name, command);
    // A failover may change the pool meanwhile: the connection goes back where it came from.
    const pool = this.pool;
    const conn = await pool.acquire(this.db(clientDb), protocol);
    try {
      return await run(conn);
    } finally {
      pool.release(conn);
    }
  }

  /**
   * Opens (or reuses) a connection selecting `clientDb`; resolves with Redis's error frame
   * when the database does not exist. Shared connections never change database, so SELECT is
   * checked on a pooled dedicated one.
   */
  async checkDb(clientDb: number): Promise<Uint8Array | undefined> {
    let conn;
    let pool;
    try {
      await this.#notReady();
      pool = this.pool;
      conn = await pool.acquire(this.db(clientDb));
    } catch (error) {
      if (error instanceof UpstreamError && error.reason.startsWith("ERR DB index")) {
        return encodeError("ERR DB index is out of range");
      }
      throw error;
    }
    pool.release(conn);
    return undefined;
  }

  /** Resolves when the server answers PING with PONG; rejects with the reason otherwise. */
  async ping(): Promise<void> {
    const reply = await this.call(DEFAULT_DB, ["PING"]);
    const error = errorMessage(reply);
    if (error !== undefined) throw new Error(error);
  }
}

const decoder = new TextDecoder();

function commandName(verb: string | Uint8Array): string {
  return (typeof verb === "string" ? verb : decoder.decode(verb)).toLowerCase();
}
