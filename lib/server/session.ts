import { checkArity, type CommandSpec, lookupCommand, lowerAsciiString } from "../commands/mod.ts";
import { encodeError, errWrongArgs, NOAUTH, ProtocolError, RequestDecoder } from "../resp/mod.ts";
import { DEFAULT_DB, type RouteContext, type Router } from "../route/mod.ts";
import type { AclUser, UserDirectory } from "../acl/mod.ts";
import { addressText, logCommand, parentName } from "./command_log.ts";
import type { Credentials } from "./credentials.ts";
import { answerLocally, type ClientState, NO_AUTH_COMMANDS } from "./local_commands.ts";
import { clientCommand, type ClientView } from "./client_command.ts";
import { Feeds } from "./feeds.ts";
import type { ReplyQueue } from "./reply_queue.ts";
import { clientReplyQueue } from "./client_reply_queue.ts";
import {
  notInSubscribedContext,
  RESET_REPLY,
  SUBSCRIBED_MODE_COMMANDS,
  subscribedPing,
} from "./pubsub_replies.ts";
import { SUBSCRIBE_COMMANDS, type SubscriberHost } from "./subscriber.ts";
import { Transaction, TRANSACTION_COMMANDS, type TransactionHost } from "./transaction.ts";
import type { SessionOptions } from "./session_options.ts";
import { CommandSequence, type SequenceHost } from "./command_sequence.ts";
import { tickNow } from "../util/tick_clock.ts";
import { ReadBuffer } from "./read_buffer.ts";
import { internalErrorReply } from "./internal_error_reply.ts";

export type { SessionLimits, SessionOptions } from "./session_options.ts";

/** As Redis's default `client-output-buffer-limit pubsub 32mb`. */
const MAX_UNREAD_PUSH_BYTES = 32 * 1024 * 1024;
const NO_BYTES = new Uint8Array(0);
/** What dispatch returns for a command the router takes. */
const TO_ROUTER = Symbol("to router");

/**
 * One client connection: decodes its commands, answers connection-level commands itself,
 * routes the rest, and writes replies strictly in request order, coalescing every reply that
 * is ready into one socket write.
 */
export class Session
  implements ClientState, ClientView, RouteContext, SequenceHost, TransactionHost, SubscriberHost {
  readonly id: number;
  db = DEFAULT_DB;
  protocol: 2 | 3 = 2;
  readonly addr: string;
  readonly laddr: string;
  readonly createdAt = performance.now();
  lastCommandAt = performance.now();
  lastCommand = "";
  replyMode: "on" | "off" | "skip" = "on";
  /** Set by WAIT: the client reads what it wrote, so a group keeps its reads on the master. */
  readsFromPrimary = false;
  // The command the router's fast path is running on, and its bytes as the client sent them.
  #routedArgs: Uint8Array[] | undefined;
  #routedFrame: Uint8Array | undefined;
  name: string | undefined;
  user: AclUser | undefined;
  readonly host: string;
  quitting = false;
  readonly credentials: Credentials;
  #conn: Deno.Conn;
  #options: SessionOptions;
  #decoder: RequestDecoder;
  #replies: ReplyQueue;
  #sequence = new CommandSequence(this);
  #closed = false;
  #draining = false;
  #transaction: Transaction | undefined;
  #feeds = new Feeds(this);

  constructor(conn: Deno.Conn, id: number, options: SessionOptions) {
    this.#conn = conn;
    this.id = id;
    this.#options = options;
    this.credentials = options.credentials;
    this.user = options.credentials.users.initialUser;
    this.addr = addressText(conn.remoteAddr);
    this.host = "hostname" in conn.remoteAddr ? conn.remoteAddr.hostname : this.addr;
    this.laddr = addressText(conn.localAddr);
    const limits = options.limits ?? {};
    this.#decoder = new RequestDecoder({
      maxBulkLength: limits.maxBulkLength,
      maxMultibulkLength: limits.maxMultibulkLength,
      authRequired: () => this.user === undefined,
    });
    this.#replies = clientReplyQueue(conn, options, this);
  }

  /**
   * How long the client has been idle, as Redis's `timeout` sees it: 0 while a command is in
   * flight (a blocking one included) or the client is subscribed or in MONITOR. Idle time
   * counts from the last complete command or the last bytes of a reply written, so a client
   * that trickles bytes of a command without ever finishing one is idle.
   */
  idleFor(now: number): number {
    const feeding = this.#feeds.monitoring || this.#feeds.subscribed;
    if (this.#closed || feeding || this.#replies.busy) return 0;
    return now - Math.max(this.lastCommandAt, this.#replies.lastWriteAt);
  }

  get dbNumber(): number {
    return this.router.primary.db(this.db);
  }

  get flags(): string {
    if (this.#feeds.monitoring) return "O";
    if (this.#feeds.subscribed) return "P";
    return this.#transaction && this.#transaction.queuedCount >= 0 ? "x" : "N";
  }

  get subscriptions() {
    return this.#feeds.subscriptionCounts;
  }

  get multi(): number {
    return this.#transaction?.queuedCount ?? -1;
  }

  /**
   * A reload replaced the users: a logged-in client gets its user's new rules at once, and is
   * disconnected when its user no longer exists (as Redis does for a deleted user).
   */
  rebind(users: UserDirectory): void {
    if (this.user === undefined) return;
    const next = users.get(this.user.name);
    if (next !== undefined) {
      this.user = next;
      return;
    }
    this.user = undefined;
    this.kill();
  }

  /** CLIENT KILL: the connection closes once the replies already due are written. */
  kill(): void {
    this.quitting = true;
    this.settled().then(() => this.#replies.flushed()).finally(() => this.close());
  }

  /**
   * Graceful shutdown: commands already read get their replies, then the connection closes.
   * Whatever arrives meanwhile is not run, so the client can tell what did not happen (its
   * connection closed before the reply) from what did.
   */
  async drain(): Promise<void> {
    this.#draining = true;
    await this.settled();
    await this.#replies.flushed();
    this.close();
  }

  /** Serves the client until it disconnects, QUITs or sends a malformed request. */
  async run(): Promise<void> {
    const buffer = new ReadBuffer();
    try {
      while (!this.quitting && !this.#closed) {
        let n: number | null;
        try {
          n = await this.#conn.read(buffer.bytes);
        } catch {
          break;
        }
        if (n === null || this.#draining) break;
        // One clock read per chunk, shared by every client read in this turn: their requests
        // arrived together.
        const readAt = tickNow();
        let open = this.#serveChunk(buffer.take(n), readAt);
        if (typeof open !== "boolean") open = await open;
        // Before AUTH the decoder stops after each request, so AUTH counts for the next one.
        while (
          open && this.#decoder.stalled && !this.quitting && !this.#closed && !this.#draining
        ) {
          await this.settled();
          open = await this.#serveChunk(NO_BYTES, readAt);
        }
        if (!open) break;
        if (this.#replies.full) await this.#replies.drained();
      }
      if (this.quitting || !this.#closed) await this.settled();
      await this.#replies.flushed();
    } finally {
      this.close();
    }
  }

  /** Decodes and runs the requests in `chunk`; false once the connection must close. */
  #serveChunk(chunk: Uint8Array, readAt: number): boolean | Promise<boolean> {
    let commands: Uint8Array[][];
    try {
      commands = this.#decoder.push(chunk);
    } catch (error) {
      if (!(error instanceof ProtocolError)) throw error;
      return this.#refuseMalformed(error, readAt);
    }
    const held = this.#sequence.run(commands, readAt, this.#decoder.frames);
    return held === undefined ? true : held.then(() => true);
  }

  /** Like Redis: the requests that arrived complete before the bad bytes still run. */
  async #refuseMalformed(error: ProtocolError, readAt: number): Promise<false> {
    await this.#sequence.runAll(error.commands, readAt);
    this.#options.metrics.protocolError();
    const limit = this.#decoder.limitHit;
    if (limit !== undefined) this.#options.metrics.limitExceeded(limit);
    this.#options.log?.info("client sent malformed RESP, closing", {
      client: this.id,
      error: error.message,
    });
    this.#replies.push(encodeError(`ERR ${error.message}`), "protocol-error", readAt);
    return false;
  }

  requestFrame(args: readonly Uint8Array[]): Uint8Array | undefined {
    return args === this.#routedArgs ? this.#routedFrame : undefined;
  }

  get router(): Router {
    return this.#options.router;
  }

  refuse(name: string): Uint8Array | undefined {
    return this.#options.refuse?.(name);
  }

  /** Queues a frame that answers no command (a published message, a MONITOR line). */
  deliver(frame: Uint8Array): void {
    if (this.#closed) return;
    // Redis's client-output-buffer-limit for pub/sub: a subscriber that does not read its
    // messages is disconnected rather than allowed to fill the proxy's memory.
    if (this.#replies.unwritten > MAX_UNREAD_PUSH_BYTES) {
      this.#options.log?.warn("client is not reading its messages, closing", { client: this.id });
      this.close();
      return;
    }
    this.#replies.push(frame, "", performance.now());
  }

  /** A subscription or MONITOR connection broke: the client reconnects and starts over. */
  lost(): void {
    this.#options.log?.warn("subscription or MONITOR connection lost, closing the client", {
      client: this.id,
    });
    this.close();
  }

  /** Closes the client connection. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#transaction?.abandon();
    this.#transaction = undefined;
    this.#feeds.close();
    try {
      this.#conn.close();
    } catch {
      // already closed
    }
    this.#replies.close();
  }

  settled(): Promise<void> {
    return this.#replies.settled();
  }

  hold(dispatched: Promise<unknown>): void {
    this.#sequence.hold(dispatched);
  }

  checkDb(db: number): Promise<Uint8Array | undefined> {
    return this.#options.router.checkDb(db);
  }

  get draining(): boolean {
    return this.#draining;
  }

  execute(args: Uint8Array[], readAt: number, frame?: Uint8Array): void {
    // One lookup, on the raw bytes; only unknown commands are lower-cased by hand.
    const spec = lookupCommand(args);
    const name = spec === undefined ? lowerAsciiString(args[0]) : parentName(spec.name);
    let silent = this.replyMode !== "on";
    if (this.replyMode === "skip") this.replyMode = "on";
    this.lastCommand = spec?.name ?? name;
    // The chunk's one clock read serves here too.
    this.lastCommandAt = readAt;
    logCommand(this.#options, this.id, spec?.name ?? name, args);
    let reply: Uint8Array | Promise<Uint8Array> | typeof TO_ROUTER;
    try {
      reply = this.#dispatch(name, spec, args);
    } catch (error) {
      reply = this.#errorReply(error);
    }
    // CLIENT REPLY ON is answered, OFF and SKIP are not.
    if (name === "client" && args.length === 3 && lowerAsciiString(args[1]) === "reply") {
      silent = this.replyMode !== "on";
    }
    if (reply instanceof Uint8Array) {
      this.#replies.push(reply, name, readAt, silent);
      return;
    }
    const pending = this.#replies.pending(name, readAt, silent, this.#onRouteError);
    if (reply === TO_ROUTER) {
      const router = this.#options.router;
      try {
        // Most commands: sent at once, the reply delivered to its place with no promise.
        let sent: boolean | undefined;
        this.#routedArgs = args;
        this.#routedFrame = frame;
        try {
          sent = router.routeTo?.(args, spec, this, pending);
        } finally {
          this.#routedArgs = this.#routedFrame = undefined;
        }
        if (sent) {
          this.#replies.pushPending(pending);
          return;
        }
        // Routed before its place is queued: "earlier commands" must not include itself.
        reply = router.route(args, spec, this);
      } catch (error) {
        reply = this.#errorReply(error);
      }
    }
    this.#replies.pushPending(pending);
    if (reply instanceof Uint8Array) pending.resolve(reply);
    else reply.then((frame) => pending.resolve(frame), (error) => pending.reject(error));
  }

  readonly #onRouteError = (error: unknown): Uint8Array => this.#errorReply(error);

  #dispatch(
    name: string,
    spec: CommandSpec | undefined,
    args: Uint8Array[],
  ): Uint8Array | Promise<Uint8Array> | typeof TO_ROUTER {
    const user = this.user;
    if (user === undefined) {
      if (!NO_AUTH_COMMANDS.has(name)) return NOAUTH;
    } else if (!user.unrestricted) {
      const denied = user.check(spec, name, args);
      // Refused inside MULTI, the command makes EXEC abort, as in Redis.
      if (denied) return this.#transaction?.reject(denied) ?? denied;
    }
    if (this.protocol === 2 && this.#feeds.subscribed) {
      // RESP2 subscribed mode: the connection carries messages, and little else is allowed.
      if (!SUBSCRIBED_MODE_COMMANDS.has(name)) return notInSubscribedContext(spec, args);
      if (name === "ping") return subscribedPing(args);
    }
    if (name !== "quit" && name !== "reset") {
      if (this.#transaction?.active || TRANSACTION_COMMANDS.has(name)) {
        this.#transaction ??= new Transaction(this);
        const reply = this.#transaction.handle(name, spec, args);
        if (reply !== undefined) return reply;
      }
    }
    const argc = this.router.routedLength?.(args) ?? args.length;
    if (spec && !checkArity(spec, argc)) return errWrongArgs(spec.name);
    if (SUBSCRIBE_COMMANDS.has(name)) return this.#feeds.subscribe(name, args);
    if (name === "monitor") return this.#feeds.monitor();
    if (name === "reset") return this.#reset();
    if (name === "client") {
      const registry = this.#options.registry ?? { clients: () => [this] };
      const answered = clientCommand(this, registry, args);
      if (answered !== undefined) return answered;
      return this.router.route(args, spec, this);
    }
    if (name === "wait" || name === "waitaof") this.readsFromPrimary = true;
    const local = answerLocally(this, name, args);
    // SELECT checks the database upstream: the next command must run in the new one.
    if (local instanceof Promise) this.hold(local);
    if (local !== undefined) return local;
    return this.refuse(name) ?? TO_ROUTER;
  }

  /** RESET: the connection as a new client finds it. */
  #reset(): Uint8Array {
    this.#dropConnectionState();
    this.db = DEFAULT_DB;
    this.protocol = 2;
    this.name = undefined;
    this.replyMode = "on";
    this.readsFromPrimary = false;
    this.user = this.credentials.users.initialUser;
    return RESET_REPLY;
  }

  /** Ends the transaction, subscriptions and MONITOR, closing their connections. */
  #dropConnectionState(): void {
    this.#transaction?.abandon();
    this.#transaction = undefined;
    this.#feeds.drop();
  }

  #errorReply(error: unknown): Uint8Array {
    return internalErrorReply(error, this.id, this.#options);
  }
}
