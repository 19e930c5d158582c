import {
  concatBytes,
  encodeCommand,
  errorMessage,
  LARGE_ARGUMENT,
  ReplyScanner,
} from "../resp/mod.ts";
import { FifoQueue } from "../util/fifo_queue.ts";
import { describeNetworkError, UpstreamError } from "./upstream_error.ts";

/** An encoded command: one frame, or parts written back to back (see encodeRequest). */
export type Request = Uint8Array | readonly Uint8Array[];

/** Where and how to reach one Redis server. */
export interface ServerAddress {
  addr: { hostname: string; port: number } | { path: string };
  addrText: string;
  username?: string;
  password?: string;
  /** Connect with TLS (rediss://). */
  tls?: TlsOptions;
}

/** TLS settings: PEM CA certificates to trust beyond the system's, a client certificate and key. */
export interface TlsOptions {
  caCerts?: string[];
  cert?: string;
  key?: string;
}

/** Options for {@linkcode UpstreamConnection.open}. */
export interface ConnectOptions extends ServerAddress {
  /** "source" or "destination": names the server in error messages. */
  target: string;
  db: number;
  /** RESP version the connection speaks (HELLO 3 is sent for 3). Default 2. */
  protocol?: 2 | 3;
  connectTimeoutMs?: number;
}

interface PendingReply {
  /** Takes one reply frame; returns false while it waits for more (a batch). */
  resolve(frame: Uint8Array): boolean | void;
  reject(error: Error): void;
}

const READ_BUFFER_SIZE = 64 * 1024;
const PUSH = 0x3e; // ">"

/**
 * One pipelined connection to a Redis server.
 *
 * Any number of callers may `send` without waiting: commands are written in call order,
 * coalesced into one socket write per event-loop turn, and each promise resolves with the raw
 * reply frame in the same order. Error replies are frames like any other (the caller decides);
 * only a broken connection rejects, and then every pending command rejects with
 * {@linkcode UpstreamError}. Nothing is replayed after a failure: a write may or may not have
 * been applied, and only the client can decide whether to retry it.
 */
export class UpstreamConnection {
  readonly target: string;
  /** The database selected when the connection opened. */
  readonly db: number;
  readonly protocol: 2 | 3;
  /** Set when a command changed the connection's state (SELECT in a transaction): never reuse. */
  tainted = false;
  /**
   * When set, every reply frame goes here instead of to the callers of `send` (a subscribed
   * or MONITOR connection, whose frames do not pair one to one with commands).
   */
  relay: ((frame: Uint8Array) => void) | undefined;
  #conn: Deno.Conn;
  #pending = new FifoQueue<PendingReply>();
  #outbox: Uint8Array[] = [];
  #writing = false;
  #flushScheduled = false;
  #scanner = new ReplyScanner();
  #failure: UpstreamError | undefined;
  #closedPromise: Promise<void>;
  /** performance.now() of the last write, for idle timeouts. */
  lastUsed = performance.now();

  private constructor(conn: Deno.Conn, target: string, db: number, protocol: 2 | 3) {
    this.#conn = conn;
    this.target = target;
    this.db = db;
    this.protocol = protocol;
    this.#closedPromise = this.#readLoop();
  }

  /** Connects, authenticates and selects the database; rejects with UpstreamError. */
  static async open(options: ConnectOptions): Promise<UpstreamConnection> {
    const where = options.addrText;
    let conn: Deno.Conn;
    try {
      conn = await connectWithTimeout(options.addr, options.connectTimeoutMs ?? 3000, options.tls);
    } catch (error) {
      throw new UpstreamError(options.target, `${describeNetworkError(error)} (${where})`);
    }
    if ("setNoDelay" in conn) (conn as Deno.TcpConn).setNoDelay(true);
    const protocol = options.protocol ?? 2;
    const connection = new UpstreamConnection(conn, options.target, options.db, protocol);
    const setup: Promise<Uint8Array>[] = [];
    if (options.password !== undefined) {
      const auth = options.username !== undefined
        ? ["AUTH", options.username, options.password]
        : ["AUTH", options.password];
      setup.push(connection.send(encodeCommand(auth)));
    }
    if (protocol === 3) setup.push(connection.send(encodeCommand(["HELLO", "3"])));
    if (options.db !== 0) setup.push(connection.send(encodeCommand(["SELECT", `${options.db}`])));
    try {
      for (const frame of await Promise.all(setup)) {
        const message = errorMessage(frame);
        if (message !== undefined) throw new UpstreamError(options.target, `${message} (${where})`);
      }
    } catch (error) {
      connection.close();
      throw error;
    }
    return connection;
  }

  /** True once the connection failed or was closed; it never recovers. */
  get closed(): boolean {
    return this.#failure !== undefined;
  }

  /** Number of commands sent and not yet answered. */
  get pendingCount(): number {
    return this.#pending.length;
  }

  /** Resolves when the connection has closed, for whatever reason. */
  get done(): Promise<void> {
    return this.#closedPromise;
  }

  /** Sends one encoded command; resolves with its raw reply frame. */
  send(request: Request): Promise<Uint8Array> {
    if (this.#failure) return Promise.reject(this.#failure);
    const reply = new Promise<Uint8Array>((resolve, reject) => {
      this.#pending.push({ resolve, reject });
    });
    this.#write(request);
    return reply;
  }

  /**
   * Sends many encoded commands; resolves with all their reply frames at once. One waiter for
   * the whole batch instead of one promise per command, for bulk loads of many small commands.
   * `count` is the number of commands when a request holds several back to back.
   */
  sendBatch(requests: readonly Uint8Array[], count = requests.length): Promise<Uint8Array[]> {
    if (this.#failure) return Promise.reject(this.#failure);
    if (count === 0) return Promise.resolve([]);
    const frames: Uint8Array[] = [];
    const replies = new Promise<Uint8Array[]>((resolve, reject) => {
      this.#pending.push({
        resolve: (frame) => {
          frames.push(frame);
          if (frames.length < count) return false;
          resolve(frames);
        },
        reject,
      });
    });
    for (const request of requests) this.#write(request);
    return replies;
  }

  /**
   * Sends a command whose replies go to {@linkcode relay} (no promise pairs with it). Throws
   * the connection's failure when it is already closed.
   */
  sendToRelay(request: Request): void {
    if (this.#failure) throw this.#failure;
    this.#write(request);
  }

  #write(request: Request): void {
    if (request instanceof Uint8Array) {
      this.#outbox.push(request);
    } else {
      for (const part of request) this.#outbox.push(part);
    }
    if (!this.#writing && !this.#flushScheduled) {
      this.#flushScheduled = true;
      queueMicrotask(() => this.#flush());
    }
  }

  /** Closes the socket; pending commands reject. Idempotent. */
  close(reason = "connection closed by proxy"): void {
    this.#fail(new UpstreamError(this.target, reason));
  }

  async #flush(): Promise<void> {
    this.#flushScheduled = false;
    if (this.#writing) return;
    this.#writing = true;
    this.lastUsed = performance.now();
    try {
      while (this.#outbox.length > 0 && !this.#failure) {
        const parts = this.#outbox;
        this.#outbox = [];
        for (const chunk of coalesce(parts)) {
          let written = 0;
          while (written < chunk.length) {
            written += await this.#conn.write(chunk.subarray(written));
          }
        }
      }
    } catch (error) {
      this.#fail(new UpstreamError(this.target, describeNetworkError(error)));
    } finally {
      this.#writing = false;
    }
  }

  async #readLoop(): Promise<void> {
    const buffer = new Uint8Array(READ_BUFFER_SIZE);
    try {
      while (true) {
        const n = await this.#conn.read(buffer);
        if (n === null) {
          this.#fail(new UpstreamError(this.target, "connection closed by server"));
          return;
        }
        // The scanner may keep slices of what it is given, so hand it a private copy.
        for (const frame of this.#scanner.push(buffer.slice(0, n))) {
          if (this.relay) {
            this.relay(frame);
            continue;
          }
          // RESP3 pushes are out of band and answer no command. Shared connections never
          // subscribe or track, so any that arrive are dropped.
          if (frame[0] === PUSH) continue;
          if (this.#pending.peek()?.resolve(frame) !== false) this.#pending.shift();
        }
      }
    } catch (error) {
      this.#fail(
        error instanceof UpstreamError
          ? error
          : new UpstreamError(this.target, describeNetworkError(error)),
      );
    }
  }

  #fail(error: UpstreamError): void {
    if (this.#failure) return;
    this.#failure = error;
    try {
      this.#conn.close();
    } catch {
      // already closed by the peer
    }
    for (const waiter of this.#pending.drain()) waiter.reject(error);
    this.#outbox = [];
  }
}

/**
 * Joins runs of small parts into one write each; parts of LARGE_ARGUMENT or more are written
 * as they are, so a big value is never copied just to be sent.
 */
function coalesce(parts: readonly Uint8Array[]): Uint8Array[] {
  if (parts.length === 1) return [parts[0]];
  const writes: Uint8Array[] = [];
  let run: Uint8Array[] = [];
  for (const part of parts) {
    if (part.length < LARGE_ARGUMENT) {
      run.push(part);
      continue;
    }
    if (run.length > 0) writes.push(concatBytes(run));
    run = [];
    writes.push(part);
  }
  if (run.length > 0) writes.push(run.length === 1 ? run[0] : concatBytes(run));
  return writes;
}

/**
 * A TLS connection whose handshake is done: a certificate that is not trusted is an error here,
 * at connect, rather than at the first command (where it would look like a network error).
 */
export async function connectTls(
  addr: { hostname: string; port: number },
  tls: TlsOptions,
): Promise<Deno.TlsConn> {
  const conn = await Deno.connectTls({ hostname: addr.hostname, port: addr.port, ...tls });
  try {
    await conn.handshake();
  } catch (error) {
    conn.close();
    throw error;
  }
  return conn;
}

async function connectWithTimeout(
  addr: ConnectOptions["addr"],
  timeoutMs: number,
  tls?: ConnectOptions["tls"],
): Promise<Deno.Conn> {
  const connecting: Promise<Deno.Conn> = "path" in addr
    ? Deno.connect({ transport: "unix", path: addr.path })
    : tls
    ? connectTls(addr, tls)
    : Deno.connect({ hostname: addr.hostname, port: addr.port });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Deno.errors.TimedOut("connect timed out")), timeoutMs);
  });
  try {
    return await Promise.race([connecting, timeout]);
  } catch (error) {
    // A connection that completes after the timeout must not leak.
    connecting.then((conn) => conn.close(), () => {});
    throw error;
  } finally {
    clearTimeout(timer);
  }
}
