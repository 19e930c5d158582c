import {
  type ConnectOptions,
  type ReplySink,
  type Request,
  type ServerAddress,
  UpstreamConnection,
} from "./upstream_connection.ts";
import { UpstreamError } from "./upstream_error.ts";

/** Settings of one upstream server, as in the `[Source]`/`[Destination]` config sections. */
export interface PoolOptions extends ServerAddress {
  /** "source" or "destination". */
  target: string;
  /** Idle dedicated connections kept for reuse (the config's `MaxIdleConns`). */
  maxIdleConns: number;
  /** Connections idle this long are closed (the config's `IdleTimeout`). */
  idleTimeoutMs: number;
  connectTimeoutMs?: number;
  /**
   * The config's `CommandTimeout`, for the shared connections. Dedicated ones serve one client
   * whose command may block by design (BLPOP, WAIT, a transaction's WATCH), so they have none.
   */
  commandTimeoutMs?: number;
  /** Told when a connect or a command timed out. */
  onTimeout?: ConnectOptions["onTimeout"];
  /** After a failed connect, commands fail at once for this long instead of reconnecting. */
  retryBackoffMs?: number;
}

interface Queued {
  frame: Request;
  resolve(frame: Uint8Array): void;
  reject(error: Error): void;
}

/** The shared, pipelined connection of one database, and what waits for it to connect. */
class SharedSlot {
  conn: UpstreamConnection | undefined;
  connecting = false;
  queue: Queued[] = [];
  failedAt = -Infinity;
  failure: UpstreamError | undefined;
}

/**
 * Connections to one Redis server.
 *
 * Most commands go over one shared pipelined connection per database, so the commands of many
 * clients reach Redis in batches (as twemproxy does). Commands that hold a connection (blocking
 * pops, later transactions) take a dedicated connection with {@linkcode acquire}; up to
 * `maxIdleConns` of those are kept idle for reuse.
 */
export class UpstreamPool {
  readonly options: PoolOptions;
  #shared = new Map<number, SharedSlot>();
  #idle: UpstreamConnection[] = [];
  #busy = new Set<UpstreamConnection>();
  #sweeper: ReturnType<typeof setInterval>;
  #closed = false;

  constructor(options: PoolOptions) {
    this.options = options;
    const interval = Math.max(100, Math.min(options.idleTimeoutMs / 2, 5000));
    this.#sweeper = setInterval(() => this.#closeIdle(), interval);
    Deno.unrefTimer(this.#sweeper);
  }

  get target(): string {
    return this.options.target;
  }

  /**
   * Sends one command on the shared connection of `db`. Commands sent by one caller, in order,
   * are answered in that order: while the connection is being (re)established they queue.
   */
  send(db: number, frame: Request, protocol: 2 | 3 = 2): Promise<Uint8Array> {
    const slot = this.#slot(db, protocol);
    return this.#usable(slot)?.send(frame) ?? this.#enqueue(db, protocol, slot, frame);
  }

  /** As {@linkcode send}, with the reply delivered to `sink` instead of a promise. */
  sendTo(db: number, frame: Request, protocol: 2 | 3, sink: ReplySink): void {
    const slot = this.#slot(db, protocol);
    const conn = this.#usable(slot);
    if (conn) {
      conn.sendTo(frame, sink);
      return;
    }
    this.#enqueue(db, protocol, slot, frame).then(
      (reply) => sink.resolve(reply),
      (error) => sink.reject(error),
    );
  }

  /** Sends several commands back to back on one connection; one promise per command. */
  sendAll(db: number, frames: readonly Request[], protocol: 2 | 3 = 2): Promise<Uint8Array>[] {
    return frames.map((frame) => this.send(db, frame, protocol));
  }

  /** A dedicated connection for `db`; give it back with {@linkcode release}. */
  async acquire(db: number, protocol: 2 | 3 = 2): Promise<UpstreamConnection> {
    if (this.#closed) throw new UpstreamError(this.target, "proxy is shutting down");
    const index = this.#idle.findIndex((c) => c.db === db && c.protocol === protocol && !c.closed);
    let conn: UpstreamConnection;
    if (index >= 0) {
      conn = this.#idle.splice(index, 1)[0];
    } else {
      conn = await this.#open(db, protocol);
    }
    this.#busy.add(conn);
    return conn;
  }

  /** Returns a dedicated connection; a broken or busy one is closed instead of kept. */
  release(conn: UpstreamConnection): void {
    this.#busy.delete(conn);
    if (
      this.#closed || conn.closed || conn.pendingCount > 0 || conn.tainted || conn.relay ||
      this.#idle.length >= this.options.maxIdleConns
    ) {
      conn.close();
      return;
    }
    conn.lastUsed = performance.now();
    this.#idle.push(conn);
  }

  /**
   * Takes the pool out of service after a config reload: nothing new starts on it, but commands
   * already sent get their replies. Idle connections close now, shared ones once their last
   * reply is in, dedicated ones (transactions, blocking commands) when given back.
   */
  retire(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#sweeper);
    for (const conn of this.#idle) conn.close();
    this.#idle = [];
    const closeQuiet = () => {
      for (const [key, slot] of this.#shared) {
        if (slot.connecting || (slot.conn && slot.conn.pendingCount > 0)) continue;
        slot.conn?.close();
        this.#shared.delete(key);
      }
      return this.#shared.size === 0;
    };
    if (closeQuiet()) return;
    this.#sweeper = setInterval(() => {
      if (closeQuiet()) clearInterval(this.#sweeper);
    }, 100);
    Deno.unrefTimer(this.#sweeper);
  }

  /** Closes every connection; pending commands reject. */
  close(): void {
    this.#closed = true;
    clearInterval(this.#sweeper);
    for (const slot of this.#shared.values()) {
      slot.conn?.close();
      for (const q of slot.queue.splice(0)) {
        q.reject(new UpstreamError(this.target, "proxy is shutting down"));
      }
    }
    for (const conn of [...this.#idle, ...this.#busy]) conn.close();
    this.#idle = [];
    this.#busy.clear();
  }

  /** The slot's connection when a command can go on it now (nothing queued before it). */
  #usable(slot: SharedSlot): UpstreamConnection | undefined {
    const conn = slot.conn;
    return conn && !conn.closed && slot.queue.length === 0 ? conn : undefined;
  }

  #slot(db: number, protocol: 2 | 3): SharedSlot {
    // Databases are never negative: RESP3 connections take the negative keys.
    const key = protocol === 2 ? db : -1 - db;
    let slot = this.#shared.get(key);
    if (!slot) {
      slot = new SharedSlot();
      this.#shared.set(key, slot);
    }
    return slot;
  }

  #enqueue(db: number, protocol: 2 | 3, slot: SharedSlot, frame: Request): Promise<Uint8Array> {
    if (this.#closed) {
      return Promise.reject(new UpstreamError(this.target, "proxy is shutting down"));
    }
    const backoff = this.options.retryBackoffMs ?? 100;
    if (!slot.connecting && slot.failure && performance.now() - slot.failedAt < backoff) {
      return Promise.reject(slot.failure);
    }
    const reply = new Promise<Uint8Array>((resolve, reject) => {
      slot.queue.push({ frame, resolve, reject });
    });
    if (!slot.connecting) this.#connectShared(db, protocol, slot);
    return reply;
  }

  async #connectShared(db: number, protocol: 2 | 3, slot: SharedSlot): Promise<void> {
    slot.connecting = true;
    try {
      const conn = await this.#open(db, protocol, true);
      // A closed pool rejected its waiters already; a retired one still owes them replies.
      if (this.#closed && slot.queue.length === 0) {
        conn.close();
        return;
      }
      // Flush the waiters before publishing the connection, so a command sent later
      // can never overtake one that queued while connecting.
      for (const q of slot.queue.splice(0)) conn.send(q.frame).then(q.resolve, q.reject);
      slot.conn = conn;
      slot.failure = undefined;
    } catch (error) {
      const failure = error instanceof UpstreamError
        ? error
        : new UpstreamError(this.target, String(error));
      slot.failure = failure;
      slot.failedAt = performance.now();
      for (const q of slot.queue.splice(0)) q.reject(failure);
    } finally {
      slot.connecting = false;
    }
  }

  #open(db: number, protocol: 2 | 3, shared = false): Promise<UpstreamConnection> {
    const o = this.options;
    return UpstreamConnection.open({
      addr: o.addr,
      addrText: o.addrText,
      username: o.username,
      password: o.password,
      tls: o.tls,
      target: o.target,
      db,
      protocol,
      connectTimeoutMs: o.connectTimeoutMs,
      commandTimeoutMs: shared ? o.commandTimeoutMs : 0,
      onTimeout: o.onTimeout,
    });
  }

  #closeIdle(): void {
    const now = performance.now();
    const limit = this.options.idleTimeoutMs;
    this.#idle = this.#idle.filter((conn) => {
      if (!conn.closed && now - conn.lastUsed < limit) return true;
      conn.close();
      return false;
    });
    for (const slot of this.#shared.values()) {
      const conn = slot.conn;
      if (conn && conn.pendingCount === 0 && now - conn.lastUsed >= limit) {
        slot.conn = undefined;
        conn.close("idle timeout");
      }
    }
  }
}
