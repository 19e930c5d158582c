import {
  concatBytes,
  copyBytes,
  encodeCommand,
  errorMessage,
  LARGE_ARGUMENT,
  ReplyScanner,
} from "../resp/mod.ts";
import { FifoQueue } from "../util/fifo_queue.ts";
import { tickNow } from "../util/tick_clock.ts";
import { describeNetworkError, UpstreamError } from "./upstream_error.ts";
import { formatMs, withTimeout } from "./timeouts.ts";
import { connectWithTimeout } from "./connect_socket.ts";

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
  /** The name sent (SNI) and verified in the certificate; default the host connected to. */
  serverName?: string;
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
  /** Bounds the TCP (and TLS) connect and the AUTH/HELLO/SELECT that follow (default 5 s). */
  connectTimeoutMs?: number;
  /**
   * With commands waiting, no reply for this long fails them all and closes the connection,
   * whose replies would be out of step with its commands from then on (0: no limit).
   */
  commandTimeoutMs?: number;
  /** Told when a connect or command timed out, for the limit metrics. */
  onTimeout?: (limit: "connect_timeout" | "command_timeout") => void;
}

/** The connect timeout when none is configured. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 5000;

/**
 * Where one command's reply goes: a callback pair instead of a promise, for callers that send
 * a command per client request and can take the frame directly from the read loop.
 */
export interface ReplySink {
  /** Takes one reply frame; returns false while it waits for more (a batch). Must not throw. */
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
  #pending = new FifoQueue<ReplySink>();
  #outbox: Uint8Array[] = [];
  #writing = false;
  #flushScheduled = false;
  #scanner = new ReplyScanner();
  #failure: UpstreamError | undefined;
  #closedPromise: Promise<void>;
  /** performance.now() of the last write, for idle timeouts. */
  lastUsed = performance.now();
  #commandTimeoutMs = 0;
  // When the oldest waiting command last saw progress: it was sent, or reply bytes came in.
  #progressAt = 0;
  #watchdog: ReturnType<typeof setInterval> | undefined;

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
    const timeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    const deadline = performance.now() + timeoutMs;
    let conn: Deno.Conn;
    try {
      conn = await connectWithTimeout(options.addr, timeoutMs, options.tls);
    } catch (error) {
      if (error instanceof Deno.errors.TimedOut) options.onTimeout?.("connect_timeout");
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
      // A server that accepts and never answers must not hold a connect open forever.
      const frames = setup.length === 0 ? [] : await withTimeout(
        Promise.all(setup),
        deadline - performance.now(),
        () => {
          options.onTimeout?.("connect_timeout");
          return new UpstreamError(options.target, `timed out (${where})`);
        },
      );
      for (const frame of frames) {
        const message = errorMessage(frame);
        if (message !== undefined) throw new UpstreamError(options.target, `${message} (${where})`);
      }
    } catch (error) {
      connection.close();
      throw error;
    }
    const commandTimeoutMs = options.commandTimeoutMs ?? 0;
    if (commandTimeoutMs > 0 && Number.isFinite(commandTimeoutMs)) {
      connection.#watch(commandTimeoutMs, options.onTimeout);
    }
    return connection;
  }

  #watch(timeoutMs: number, onTimeout: ConnectOptions["onTimeout"]): void {
    this.#commandTimeoutMs = timeoutMs;
    this.#progressAt = performance.now();
    // One check per quarter of the timeout: a stuck command fails within 1.25 times it.
    const interval = Math.min(1000, Math.max(10, timeoutMs / 4));
    this.#watchdog = setInterval(() => {
      if (this.#pending.length === 0) return;
      if (performance.now() - this.#progressAt < timeoutMs) return;
      onTimeout?.("command_timeout");
      this.#fail(new UpstreamError(this.target, `no reply within ${formatMs(timeoutMs)}`));
    }, interval);
    Deno.unrefTimer(this.#watchdog);
  }

  /** With a command timeout, a command sent to an idle connection starts the clock. */
  #markSent(): void {
    if (this.#commandTimeoutMs > 0 && this.#pending.length === 0) {
      this.#progressAt = performance.now();
    }
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
    return new Promise((resolve, reject) => this.sendTo(request, { resolve, reject }));
  }

  /** Sends one encoded command; its reply frame (or the connection's failure) goes to `sink`. */
  sendTo(request: Request, sink: ReplySink): void {
    if (this.#failure) {
      sink.reject(this.#failure);
      return;
    }
    this.#markSent();
    this.#pending.push(sink);
    this.#write(request);
  }

  /**
   * Sends many encoded commands; resolves with all their reply frames at once. One waiter for
   * the whole batch instead of one promise per command, for bulk loads of many small commands.
   * `count` is the number of commands when a request holds several back to back.
   */
  sendBatch(requests: readonly Uint8Array[], count = requests.length): Promise<Uint8Array[]> {
    if (this.#failure) return Promise.reject(this.#failure);
    if (count === 0) return Promise.resolve([]);
    this.#markSent();
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
    this.lastUsed = tickNow();
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
        if (this.#commandTimeoutMs > 0) this.#progressAt = performance.now();
        // The scanner may keep slices of what it is given, so hand it a private copy.
        for (const frame of this.#scanner.push(copyBytes(buffer.subarray(0, n)))) {
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
    if (this.#watchdog !== undefined) clearInterval(this.#watchdog);
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
