import { commandName } from "../commands/mod.ts";
import { encodeBulk, encodeError, OK, PONG, RequestDecoder } from "../resp/mod.ts";
import type { Backlog } from "./backlog.ts";

/** A filtered snapshot on disk and where in the stream it stands. */
export interface Snapshot {
  path: string;
  size: number;
  /** Announced with +FULLRESYNC: the replica's offset once it has loaded the file. */
  offset: number;
  /**
   * Bytes a replica gets right after the file, counted in its offset: a SELECT of the stream's
   * database when the snapshot was lined up with a stream already under way. The shared stream
   * continues at `offset + prefix.length`.
   */
  prefix: Uint8Array;
  /** Set while the file is still being received and filtered: it can be followed as it grows. */
  growing?: GrowingFile;
}

/** A snapshot file still being written. */
export interface GrowingFile {
  readonly written: number;
  readonly state: "growing" | "done" | "abandoned";
  changed(): Promise<void>;
}

/** Where a continuing replica picks up: its own prefix, then the shared stream. */
export interface Continuation {
  prefix: Uint8Array;
  from: number;
}

/** What a replica session needs from the proxy it belongs to. */
export interface ReplicationSource {
  readonly replid: string;
  readonly backlog: Backlog;
  /** The snapshot to serve a full sync from; waits while one is being made. */
  snapshot(): Promise<Snapshot>;
  /** How a replica asking `PSYNC replid offset+1` continues, or undefined for a full sync. */
  continuation(replid: string, offset: number): Continuation | undefined;
  /** Counts a full or partial sync served, or a session ended for a reason. */
  served(kind: "full" | "partial"): void;
  dropped(reason: string, session: ReplicaSession): void;
  log(message: string): void;
  /** INFO replication text for monitoring clients. */
  info(): string;
}

export interface ReplicaSessionOptions {
  /** A write that does not complete in this time ends the session (default 60 s, repl-timeout). */
  writeTimeoutMs?: number;
}

type State = "handshake" | "waiting" | "fullsync" | "streaming" | "closed";

const encoder = new TextEncoder();
const NEWLINE = encoder.encode("\n");

/** A write that did not complete within the timeout: the replica stopped reading. */
class WriteTimeout extends Error {}

/**
 * One downstream connection, usually a Redis replica (`REPLICAOF proxy-host proxy-port`). It
 * answers the replica handshake (PING, AUTH, REPLCONF, PSYNC/SYNC), serves a full sync from the
 * proxy's filtered snapshot or continues from its backlog, then streams the filtered commands
 * at the replica's pace, reading its `REPLCONF ACK`s. A replica that stops reading for longer
 * than the write timeout, or falls behind the backlog, is disconnected: Redis replicas
 * reconnect by themselves and get a fresh sync.
 */
export class ReplicaSession {
  state: State = "handshake";
  /** Stream offset sent up to (written to the socket). */
  sent = 0;
  /** Stream offset the replica acknowledged. */
  acked = 0;
  /** `ip:listening-port` once the replica announced it, else the peer address. */
  name: string;
  #capaEof = false;
  #closed = false;
  #firstAck: (() => void) | undefined;
  #wake: (() => void) | undefined;
  #writes: Promise<void> = Promise.resolve();
  readonly #writeTimeoutMs: number;

  constructor(
    readonly conn: Deno.Conn,
    readonly source: ReplicationSource,
    options: ReplicaSessionOptions = {},
  ) {
    const remote = conn.remoteAddr as Deno.NetAddr;
    this.name = `${remote.hostname}:${remote.port}`;
    this.#writeTimeoutMs = options.writeTimeoutMs ?? 60_000;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.state = "closed";
    this.#wake?.();
    try {
      this.conn.close();
    } catch { /* already closed */ }
  }

  /** Reads the connection until it closes; resolves when the session is over. */
  async run(): Promise<void> {
    const decoder = new RequestDecoder();
    const buffer = new Uint8Array(16 * 1024);
    try {
      while (!this.#closed) {
        const n = await this.conn.read(buffer);
        if (n === null) {
          if (this.state !== "handshake") this.source.dropped("closed the connection", this);
          break;
        }
        for (const args of decoder.push(buffer.slice(0, n))) this.#command(args);
      }
    } catch (error) {
      if (!this.#closed) {
        this.source.log(`replica ${this.name}: ${(error as Error).message}`);
        this.source.dropped("connection error", this);
      }
    } finally {
      this.close();
    }
  }

  #command(args: Uint8Array[]): void {
    const name = commandName(args);
    const text = (i: number) => new TextDecoder().decode(args[i] ?? new Uint8Array(0));
    switch (name) {
      case "ping":
        if (this.state === "handshake") this.#write(PONG);
        return;
      case "auth":
      case "client|setname":
        this.#write(OK);
        return;
      case "replconf": {
        const sub = text(1).toLowerCase();
        if (sub === "ack") {
          this.acked = Number(text(2));
          this.#firstAck?.();
          return;
        }
        if (sub === "listening-port") {
          const remote = this.conn.remoteAddr as Deno.NetAddr;
          this.name = `${remote.hostname}:${text(2)}`;
        }
        for (let i = 1; i < args.length - 1; i++) {
          if (text(i).toLowerCase() === "capa" && text(i + 1).toLowerCase() === "eof") {
            this.#capaEof = true;
          }
        }
        if (sub !== "getack") this.#write(OK);
        return;
      }
      case "psync":
        if (this.state === "handshake") this.#serve(text(1), Number(text(2)));
        return;
      case "sync":
        if (this.state === "handshake") this.#serve("?", -1, false);
        return;
      case "info":
        this.#write(encodeBulk(this.source.info()));
        return;
      case "quit":
        this.#write(OK).then(() => this.close());
        return;
      default:
        this.#write(
          encodeError(`ERR '${name}' is not served by a replication proxy: connect with REPLICAOF`),
        );
    }
  }

  /** Writes in order; a write that stalls past the timeout ends the session. */
  #write(bytes: Uint8Array): Promise<void> {
    this.#writes = this.#writes.then(async () => {
      if (this.#closed) return;
      let timer: ReturnType<typeof setTimeout> | undefined;
      const stalled = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new WriteTimeout()), this.#writeTimeoutMs);
      });
      try {
        for (let at = 0; at < bytes.length;) {
          at += await Promise.race([this.conn.write(bytes.subarray(at)), stalled]);
        }
      } finally {
        clearTimeout(timer);
      }
    });
    this.#writes.catch((error) => {
      if (this.#closed) return;
      const reason = error instanceof WriteTimeout ? "stopped reading" : "write failed";
      this.source.dropped(reason, this);
      this.close();
    });
    return this.#writes;
  }

  async #serve(replid: string, psyncOffset: number, psync = true): Promise<void> {
    try {
      const continuation = psync ? this.source.continuation(replid, psyncOffset - 1) : undefined;
      if (continuation) {
        this.state = "streaming";
        this.acked = psyncOffset - 1;
        await this.#write(encoder.encode(`+CONTINUE ${this.source.replid}\r\n`));
        if (continuation.prefix.length) await this.#write(continuation.prefix);
        this.sent = continuation.from;
        this.source.served("partial");
      } else {
        await this.#fullSync(psync);
      }
      await this.#stream();
    } catch (error) {
      if (!this.#closed) {
        this.source.log(`replica ${this.name}: ${(error as Error).message}`);
        this.close();
      }
    }
  }

  async #fullSync(psync: boolean): Promise<void> {
    this.state = "waiting";
    // Empty lines keep the replica waiting for the PSYNC reply while a snapshot is being made.
    const keepAlive = setInterval(() => this.#write(NEWLINE), 1000);
    let snapshot: Snapshot;
    try {
      snapshot = await this.source.snapshot();
    } finally {
      clearInterval(keepAlive);
    }
    if (this.#closed) return;
    this.state = "fullsync";
    if (psync) {
      await this.#write(encoder.encode(`+FULLRESYNC ${this.source.replid} ${snapshot.offset}\r\n`));
    }
    const mark = this.#capaEof && psync ? randomMark() : undefined;
    if (snapshot.growing?.state === "growing" && mark) {
      // Follow the file while the master's snapshot is still arriving: the replica loads in
      // step with the proxy instead of after it.
      await this.#write(encoder.encode(`$EOF:${mark}\r\n`));
      await this.#follow(snapshot.path, snapshot.growing);
    } else {
      if (snapshot.growing?.state === "growing") await this.#untilDone(snapshot.growing);
      const size = snapshot.growing ? snapshot.growing.written : snapshot.size;
      await this.#write(encoder.encode(mark ? `$EOF:${mark}\r\n` : `$${size}\r\n`));
      using file = await Deno.open(snapshot.path);
      for await (const chunk of file.readable) await this.#write(chunk);
    }
    this.acked = snapshot.offset;
    if (mark) {
      // After a transfer that ends with a mark, a replica may read past it into the stream;
      // like Redis, start the stream once the replica acknowledges the snapshot.
      const acked = new Promise<void>((resolve) => (this.#firstAck = resolve));
      await this.#write(encoder.encode(mark));
      await acked;
    }
    if (snapshot.prefix.length) await this.#write(snapshot.prefix);
    this.sent = snapshot.offset + snapshot.prefix.length;
    this.state = "streaming";
    this.source.served("full");
  }

  async #untilDone(growing: GrowingFile): Promise<void> {
    while (growing.state === "growing") await growing.changed();
    if (growing.state === "abandoned") throw new Error("the master's snapshot was interrupted");
  }

  /** Sends a file that is still being written, until it is finished. */
  async #follow(path: string, growing: GrowingFile): Promise<void> {
    using file = await Deno.open(path);
    let sent = 0;
    while (true) {
      if (growing.state === "abandoned") throw new Error("the master's snapshot was interrupted");
      const available = growing.written;
      if (sent === available) {
        if (growing.state === "done") return;
        await growing.changed();
        continue;
      }
      const chunk = new Uint8Array(Math.min(1 << 20, available - sent));
      const n = await file.read(chunk);
      if (n === null) throw new Error(`snapshot file ${path} ended early`);
      await this.#write(chunk.subarray(0, n));
      sent += n;
    }
  }

  async #stream(): Promise<void> {
    const { backlog } = this.source;
    while (!this.#closed) {
      const chunks = backlog.read(this.sent);
      if (chunks === undefined) {
        this.source.dropped("fell behind the backlog", this);
        this.close();
        return;
      }
      if (chunks.length === 0) {
        await new Promise<void>((resolve) => {
          this.#wake = resolve;
          backlog.changed().then(resolve);
        });
        continue;
      }
      for (const chunk of chunks) {
        await this.#write(chunk);
        this.sent += chunk.length;
      }
    }
  }
}

function randomMark(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(20));
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
}
