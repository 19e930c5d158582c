import { concatBytes, decodeReply, encodeRequest, type Reply } from "../resp/mod.ts";
import type { UpstreamConnection, UpstreamPool } from "../upstream/mod.ts";
import { FifoQueue } from "../util/fifo_queue.ts";
import { bytesToText } from "../util/key_string.ts";

/** SUBSCRIBE and friends: what the session sends to a {@linkcode Subscriber}. */
export const SUBSCRIBE_COMMANDS: ReadonlySet<string> = new Set([
  "subscribe",
  "psubscribe",
  "ssubscribe",
  "unsubscribe",
  "punsubscribe",
  "sunsubscribe",
]);

type Kind = "channels" | "patterns" | "shardChannels";

const KIND_OF: Record<string, Kind> = {
  subscribe: "channels",
  unsubscribe: "channels",
  psubscribe: "patterns",
  punsubscribe: "patterns",
  ssubscribe: "shardChannels",
  sunsubscribe: "shardChannels",
};

/** Frames that deliver a message rather than confirm a command. */
const MESSAGE_KINDS = new Set(["message", "pmessage", "smessage"]);

interface PendingCommand {
  name: string;
  /** Frames still due; undefined for an UNSUBSCRIBE of everything, decided on its first frame. */
  remaining: number | undefined;
  frames: Uint8Array[];
  resolve(frame: Uint8Array): void;
  reject(error: Error): void;
}

/** Where a subscriber's out-of-band frames go. */
export interface SubscriberHost {
  /** A published message (or other push) for the client, outside the request order. */
  deliver(frame: Uint8Array): void;
  /** The upstream connection broke: the client must reconnect and subscribe again. */
  lost(): void;
}

/**
 * One client's subscriptions, on a dedicated connection to the primary server speaking the
 * client's protocol. Every frame that connection receives is either a confirmation of a
 * (P|S)(UN)SUBSCRIBE, which becomes the reply of that command (one command may be confirmed by
 * several frames, one per channel), or a message, handed to the client as it arrives.
 */
export class Subscriber {
  readonly channels = new Set<string>();
  readonly patterns = new Set<string>();
  readonly shardChannels = new Set<string>();
  #conn: UpstreamConnection;
  #pending = new FifoQueue<PendingCommand>();
  #host: SubscriberHost;
  #closed = false;

  private constructor(conn: UpstreamConnection, host: SubscriberHost) {
    this.#conn = conn;
    this.#host = host;
    conn.relay = (frame) => this.#onFrame(frame);
    conn.done.then(() => {
      for (const pending of this.#pending.drain()) {
        pending.reject(new Error("subscription connection closed"));
      }
      if (!this.#closed) host.lost();
    });
  }

  /** Opens the dedicated connection. */
  static async open(
    pool: UpstreamPool,
    db: number,
    protocol: 2 | 3,
    host: SubscriberHost,
  ): Promise<Subscriber> {
    return new Subscriber(await pool.acquire(db, protocol), host);
  }

  /** Channels, patterns and shard channels subscribed to. */
  get count(): number {
    return this.channels.size + this.patterns.size + this.shardChannels.size;
  }

  /** True while a command waits for its confirmations. */
  get busy(): boolean {
    return this.#pending.length > 0;
  }

  /** Sends a (P|S)(UN)SUBSCRIBE; resolves with all its confirmation frames, concatenated. */
  send(name: string, args: Uint8Array[]): Promise<Uint8Array> {
    try {
      this.#conn.sendToRelay(encodeRequest(args));
    } catch (error) {
      return Promise.reject(error);
    }
    return new Promise<Uint8Array>((resolve, reject) => {
      // With channels named, one confirmation per channel, duplicates included.
      const remaining = args.length > 1 ? args.length - 1 : undefined;
      this.#pending.push({ name, remaining, frames: [], resolve, reject });
    });
  }

  /** Closes the connection; subscriptions end with it. */
  close(): void {
    this.#closed = true;
    this.#conn.close();
  }

  #onFrame(frame: Uint8Array): void {
    const kind = firstElementText(frame);
    if (kind !== undefined && MESSAGE_KINDS.has(kind)) {
      this.#host.deliver(frame);
      return;
    }
    const pending = this.#pending.peek();
    if (!pending) {
      // Nothing asked for it: an out-of-band push such as a RESP3 invalidation.
      this.#host.deliver(frame);
      return;
    }
    pending.frames.push(frame);
    const reply = decodeReply(frame);
    if (reply.type === "error") {
      pending.remaining = 0;
    } else {
      if (pending.remaining === undefined) {
        // Unsubscribing from everything: one frame per subscription, or one if there is none.
        pending.remaining = Math.max(1, this[KIND_OF[pending.name]].size);
      }
      pending.remaining--;
      this.#track(reply);
    }
    if (pending.remaining === 0) {
      this.#pending.shift();
      pending.resolve(pending.frames.length === 1 ? frame : concatBytes(pending.frames));
    }
  }

  /** Keeps the sets in step with the confirmations the server sent. */
  #track(reply: Reply): void {
    if (reply.type !== "array" && reply.type !== "push") return;
    const [kindReply, channelReply] = reply.value;
    if (kindReply?.type !== "bulk" || channelReply?.type !== "bulk") return;
    const kind = bytesToText(kindReply.value);
    const set = KIND_OF[kind] ? this[KIND_OF[kind]] : undefined;
    if (!set) return;
    const channel = bytesToText(channelReply.value);
    if (kind.endsWith("unsubscribe")) set.delete(channel);
    else set.add(channel);
  }
}

const CR = 13;

/**
 * The text of the first element of an array or push frame when it is a bulk string
 * ("message", "subscribe", ...), read without decoding the whole frame: messages are the
 * high-volume case.
 */
function firstElementText(frame: Uint8Array): string | undefined {
  if (frame[0] !== 0x2a && frame[0] !== 0x3e) return undefined; // "*" or ">"
  let i = frame.indexOf(CR);
  if (i < 0 || frame[i + 2] !== 0x24) return undefined; // "$"
  const lengthStart = i + 3;
  i = frame.indexOf(CR, lengthStart);
  if (i < 0) return undefined;
  const length = Number(bytesToText(frame.subarray(lengthStart, i)));
  if (!Number.isInteger(length) || length < 0 || length > 32) return undefined;
  return bytesToText(frame.subarray(i + 2, i + 2 + length));
}
