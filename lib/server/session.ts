import { checkArity, type CommandSpec, lookupCommand, lowerAsciiString } from "../commands/mod.ts";
import type { Metrics } from "../http/mod.ts";
import {
  concatBytes,
  encodeError,
  errWrongArgs,
  ProtocolError,
  RequestDecoder,
} from "../resp/mod.ts";
import { DEFAULT_DB, type RouteContext, type Router } from "../route/mod.ts";
import { UpstreamError } from "../upstream/mod.ts";
import { FifoQueue } from "../util/fifo_queue.ts";
import type { Credentials } from "./credentials.ts";
import { answerLocally, type ClientState } from "./local_commands.ts";

/** What every session of one proxy shares. */
export interface SessionOptions {
  router: Router;
  metrics: Metrics;
  credentials: Credentials | undefined;
  /** Stop reading from a client with this many replies not yet written (backpressure). */
  maxPendingReplies?: number;
  log?: (message: string) => void;
}

interface ReplySlot {
  frame: Uint8Array | undefined;
  /** Command name, for the latency histogram. */
  name: string;
  /** performance.now() when the request's bytes were read. */
  readAt: number;
}

interface SettleWaiter {
  count: number;
  resolve(): void;
}

// Every connected client has a read pending at all times, so its buffer is memory held even
// while idle: start small, grow for clients that fill it, shrink again when they quiet down.
const MIN_READ_BUFFER = 1024;
const MAX_READ_BUFFER = 64 * 1024;

/**
 * One client connection: decodes its commands, answers connection-level commands itself,
 * routes the rest, and writes replies strictly in request order, coalescing every reply that
 * is ready into one socket write.
 */
export class Session implements ClientState, RouteContext {
  readonly id: number;
  db = DEFAULT_DB;
  name: string | undefined;
  authenticated: boolean;
  quitting = false;
  readonly credentials: Credentials | undefined;
  #conn: Deno.Conn;
  #options: SessionOptions;
  #decoder = new RequestDecoder();
  #replies = new FifoQueue<ReplySlot>();
  #issued = 0;
  #completed = 0;
  #settleWaiters: SettleWaiter[] = [];
  #hold: Promise<unknown> | undefined;
  #outbox: Uint8Array[] = [];
  #writing: Promise<void> | undefined;
  #writeScheduled = false;
  #drained: (() => void) | undefined;
  #closed = false;

  constructor(conn: Deno.Conn, id: number, options: SessionOptions) {
    this.#conn = conn;
    this.id = id;
    this.#options = options;
    this.credentials = options.credentials;
    this.authenticated = options.credentials === undefined;
  }

  /** Serves the client until it disconnects, QUITs or sends a malformed request. */
  async run(): Promise<void> {
    let buffer = new Uint8Array(MIN_READ_BUFFER);
    const maxPending = this.#options.maxPendingReplies ?? 10_000;
    try {
      while (!this.quitting && !this.#closed) {
        let n: number | null;
        try {
          n = await this.#conn.read(buffer);
        } catch {
          break;
        }
        if (n === null) break;
        // One clock read per chunk: its requests all arrived together.
        const readAt = performance.now();
        const chunk = buffer.slice(0, n);
        if (n === buffer.length && n < MAX_READ_BUFFER) {
          buffer = new Uint8Array(buffer.length * 4);
        } else if (n < MIN_READ_BUFFER && buffer.length > MIN_READ_BUFFER) {
          buffer = new Uint8Array(MIN_READ_BUFFER);
        }
        let commands: Uint8Array[][];
        try {
          commands = this.#decoder.push(chunk);
        } catch (error) {
          if (!(error instanceof ProtocolError)) throw error;
          // Like Redis, the requests that arrived complete before the bad bytes still run.
          for (const args of error.commands) {
            while (this.#hold) await this.#waitForHold();
            this.#execute(args, readAt);
          }
          this.#options.metrics.protocolError();
          this.#options.log?.(`client ${this.id}: ${error.message}, closing`);
          this.#enqueue(encodeError(`ERR ${error.message}`), "protocol-error", readAt);
          break;
        }
        for (const args of commands) {
          // A held command may hold again (a blocking command sent after a copy).
          while (this.#hold) await this.#waitForHold();
          this.#execute(args, readAt);
          if (this.quitting) break;
        }
        if (this.#replies.length >= maxPending) {
          await new Promise<void>((resolve) => this.#drained = resolve);
        }
      }
      if (this.quitting || !this.#closed) await this.settled();
      await this.#flushed();
    } finally {
      this.close();
    }
  }

  /** Closes the client connection. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#conn.close();
    } catch {
      // already closed
    }
    this.#drained?.();
  }

  settled(): Promise<void> {
    if (this.#completed >= this.#issued) return Promise.resolve();
    return new Promise((resolve) => this.#settleWaiters.push({ count: this.#issued, resolve }));
  }

  hold(dispatched: Promise<unknown>): void {
    this.#hold = this.#hold ? Promise.allSettled([this.#hold, dispatched]) : dispatched;
  }

  checkDb(db: number): Promise<Uint8Array | undefined> {
    return this.#options.router.checkDb(db);
  }

  async #waitForHold(): Promise<void> {
    const hold = this.#hold;
    try {
      await hold;
    } catch {
      // The held command's own reply reports the failure.
    }
    if (this.#hold === hold) this.#hold = undefined;
  }

  #execute(args: Uint8Array[], readAt: number): void {
    // One lookup, on the raw bytes; only unknown commands are lower-cased by hand.
    const spec = lookupCommand(args);
    const name = spec === undefined ? lowerAsciiString(args[0]) : parentName(spec.name);
    let reply: Uint8Array | Promise<Uint8Array>;
    try {
      reply = answerLocally(this, name, args) ?? this.#route(spec, args);
    } catch (error) {
      reply = this.#errorReply(error);
    }
    if (reply instanceof Uint8Array) {
      this.#enqueue(reply, name, readAt);
      return;
    }
    const slot: ReplySlot = { frame: undefined, name, readAt };
    this.#replies.push(slot);
    this.#issued++;
    reply.then((frame) => {
      slot.frame = frame;
      this.#flushReady();
    }, (error) => {
      slot.frame = this.#errorReply(error);
      this.#flushReady();
    });
  }

  #route(spec: CommandSpec | undefined, args: Uint8Array[]): Promise<Uint8Array> | Uint8Array {
    if (spec && !checkArity(spec, args.length)) return errWrongArgs(spec.name);
    return this.#options.router.route(args, spec, this);
  }

  #errorReply(error: unknown): Uint8Array {
    if (error instanceof UpstreamError) {
      this.#options.metrics.upstreamError(error.target === "source" ? "source" : "destination");
      return encodeError(`ERR ${error.message}`);
    }
    this.#options.log?.(`client ${this.id}: internal error: ${(error as Error)?.stack ?? error}`);
    return encodeError(`ERR internal error: ${(error as Error)?.message ?? error}`);
  }

  #enqueue(frame: Uint8Array, name: string, readAt: number): void {
    this.#replies.push({ frame, name, readAt });
    this.#issued++;
    this.#flushReady();
  }

  #flushReady(): void {
    let head = this.#replies.peek();
    if (head === undefined || head.frame === undefined) return;
    const now = performance.now();
    const metrics = this.#options.metrics;
    while (head !== undefined && head.frame !== undefined) {
      this.#outbox.push(head.frame);
      metrics.observeLatency(head.name, now - head.readAt);
      this.#replies.shift();
      this.#completed++;
      head = this.#replies.peek();
    }
    while (this.#settleWaiters.length > 0 && this.#settleWaiters[0].count <= this.#completed) {
      this.#settleWaiters.shift()!.resolve();
    }
    // Deferred to a microtask so every reply that completes in this turn leaves in one write.
    if (!this.#writing && !this.#writeScheduled) {
      this.#writeScheduled = true;
      queueMicrotask(() => {
        this.#writeScheduled = false;
        if (!this.#writing && this.#outbox.length > 0) this.#writing = this.#writeOut();
      });
    }
    if (this.#drained && this.#replies.length < (this.#options.maxPendingReplies ?? 10_000) / 2) {
      const drained = this.#drained;
      this.#drained = undefined;
      drained();
    }
  }

  /** Resolves once every reply handed to the outbox has been written (or the client left). */
  async #flushed(): Promise<void> {
    while (!this.#closed) {
      if (!this.#writing && this.#outbox.length > 0) this.#writing = this.#writeOut();
      if (!this.#writing) return;
      await this.#writing;
    }
  }

  async #writeOut(): Promise<void> {
    try {
      while (this.#outbox.length > 0 && !this.#closed) {
        const parts = this.#outbox;
        this.#outbox = [];
        const chunk = parts.length === 1 ? parts[0] : concatBytes(parts);
        let written = 0;
        while (written < chunk.length) written += await this.#conn.write(chunk.subarray(written));
      }
    } catch {
      // The client went away; its reads end the session.
      this.close();
    } finally {
      this.#writing = undefined;
    }
  }
}

/** "client" for "client|setname"; the name itself for commands without subcommands. */
function parentName(name: string): string {
  const bar = name.indexOf("|");
  return bar < 0 ? name : name.slice(0, bar);
}
