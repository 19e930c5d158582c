import { decodeReply, encodeCommand, type Reply } from "../resp/mod.ts";
import { type TlsOptions, UpstreamConnection, UpstreamError } from "../upstream/mod.ts";
import type { RedisLink } from "./redis_link.ts";
import type { RedisUri } from "./redis_uri.ts";

export type Arg = string | Uint8Array;

export interface SyncClientOptions {
  /** Names the server in messages: "source" or "target". */
  name: string;
  /** Used when the URI is rediss://. */
  tls?: TlsOptions;
  /** How long to keep reconnecting before a command fails (default 60 s). */
  retryForMs?: number;
  log?: (message: string) => void;
}

/**
 * A pipelined connection for replicate and verify. Every command they send can be repeated
 * safely (SCAN, DUMP, PTTL, RESTORE ... REPLACE, DEL, TYPE), so a broken connection is
 * reopened with back-off and the batch sent again, for up to `retryForMs`; only then does the
 * error reach the caller. Error replies are values, not exceptions.
 */
export class SyncClient implements RedisLink {
  #conn: UpstreamConnection | undefined;
  #closed = false;

  constructor(readonly uri: RedisUri, readonly options: SyncClientOptions) {}

  /**
   * Connects now and sends PING, without retrying, so a wrong address, password or certificate
   * is reported at start instead of being retried for a minute.
   */
  static async open(uri: RedisUri, options: SyncClientOptions): Promise<SyncClient> {
    const client = new SyncClient(uri, options);
    const conn = await client.#connection();
    const pong = decodeReply(await conn.send(encodeCommand(["PING"])));
    if (pong.type === "error") {
      client.close();
      throw new UpstreamError(options.name, `${pong.message} (${uri.addrText})`);
    }
    return client;
  }

  get name(): string {
    return this.options.name;
  }

  async #connection(): Promise<UpstreamConnection> {
    if (this.#conn && !this.#conn.closed) return this.#conn;
    const { uri, options } = this;
    this.#conn = await UpstreamConnection.open({
      ...uri,
      tls: uri.tls ? options.tls ?? {} : undefined,
      target: options.name,
    });
    return this.#conn;
  }

  async call(...args: Arg[]): Promise<Reply> {
    const [reply] = await this.pipeline([args]);
    return reply;
  }

  /** Sends all commands at once and returns their replies in order. */
  async pipeline(commands: readonly Arg[][]): Promise<Reply[]> {
    const deadline = Date.now() + (this.options.retryForMs ?? 60_000);
    let delay = 100;
    while (true) {
      try {
        const conn = await this.#connection();
        const frames = await Promise.all(commands.map((args) => conn.send(encodeCommand(args))));
        return frames.map(decodeReply);
      } catch (error) {
        if (!(error instanceof UpstreamError) || this.#closed || Date.now() + delay > deadline) {
          throw error;
        }
        this.options.log?.(`${this.name}: ${error.message}; retrying in ${delay} ms`);
        await new Promise((resolve) => setTimeout(resolve, delay));
        delay = Math.min(delay * 2, 5000);
      }
    }
  }

  /**
   * Sends commands already encoded, without retrying: for a replication stream, whose commands
   * (INCR, APPEND) must not run twice. Returns the raw reply frames (decoding a million `+OK`s
   * would cost more than sending them). `count` is the number of commands when frames hold
   * several back to back.
   */
  async sendEncoded(frames: readonly Uint8Array[], count = frames.length): Promise<Uint8Array[]> {
    const conn = await this.#connection();
    return await conn.sendBatch(frames, count);
  }

  nodes(): RedisLink[] {
    return [this];
  }

  close(): void {
    this.#closed = true;
    this.#conn?.close();
  }
}

/** The error message of a reply, or undefined when it is not an error. */
export function replyError(reply: Reply): string | undefined {
  return reply.type === "error" ? reply.message : undefined;
}

/** A reply's integer, or NaN. */
export function replyInteger(reply: Reply): number {
  return reply.type === "integer" ? reply.value : NaN;
}

/** A reply's bytes (bulk), or undefined for null and other types. */
export function replyBytes(reply: Reply): Uint8Array | undefined {
  return reply.type === "bulk" ? reply.value : undefined;
}

/** A reply's text (simple or bulk). */
export function replyText(reply: Reply): string {
  if (reply.type === "simple") return reply.value;
  if (reply.type === "bulk") return new TextDecoder().decode(reply.value);
  if (reply.type === "error") return reply.message;
  return "";
}

/** The bulk strings of an array reply (LRANGE, a stream entry's fields); empty otherwise. */
export function replyItems(reply: Reply): Uint8Array[] {
  if (reply.type !== "array") return [];
  return reply.value.flatMap((item) => (item.type === "bulk" ? [item.value] : []));
}
