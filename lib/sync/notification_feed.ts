import { decodeReply, encodeCommand, type Reply, ReplyScanner } from "../resp/mod.ts";
import { connectTls, type TlsOptions } from "../upstream/mod.ts";
import { keyString } from "../util/mod.ts";
import type { RedisUri } from "./redis_uri.ts";
import { replyText } from "./sync_client.ts";
import type { RedisLink } from "./redis_link.ts";

/** The source does not publish the keyspace events live mode needs. */
export class NotificationsOffError extends Error {
  override name = "NotificationsOffError";
}

/** Every key event: K (keyspace channel) and A (all types, expired and evicted). */
const REQUIRED = "KA";

function covers(flags: string): boolean {
  const has = (c: string) => flags.includes(c);
  const allTypes = has("A") || [..."g$lshzxet"].every(has);
  return has("K") && allTypes;
}

/**
 * Checks notify-keyspace-events on the source: live mode on notifications does nothing when they
 * are off, so that is an error unless `enable` allows setting them (adding K and A).
 */
export async function ensureNotifications(source: RedisLink, enable: boolean): Promise<void> {
  const reply = await source.call("CONFIG", "GET", "notify-keyspace-events");
  const flags = reply.type === "array" ? replyText(reply.value[1] ?? { type: "null" }) : "";
  if (covers(flags)) return;
  if (!enable) {
    throw new NotificationsOffError(
      `keyspace notifications are off on the source (notify-keyspace-events="${flags}"): ` +
        `live mode would see no changes. Run CONFIG SET notify-keyspace-events ${REQUIRED} on ` +
        `the source, pass --enable-notifications, or use --live-source replication`,
    );
  }
  const wanted = [...new Set([...flags, ...REQUIRED])].join("");
  const set = await source.call("CONFIG", "SET", "notify-keyspace-events", wanted);
  if (set.type === "error") {
    throw new NotificationsOffError(`cannot enable notifications: ${set.message}`);
  }
}

/**
 * Keys changed on the source, from its keyspace notifications (`__keyspace@<db>__:<key>`),
 * deduplicated in a set the replicator drains. A Redis Cluster's events are each master's own,
 * so there it subscribes to every master. When the set holds `limit` keys the subscribers stop
 * reading (Redis buffers the events); if Redis drops one for that, or a connection breaks,
 * {@link lost} is set: events may have been missed and the caller rescans.
 */
export class NotificationFeed {
  readonly #keys = new Map<string, Uint8Array>();
  readonly sources: readonly RedisUri[];
  #conns: Deno.Conn[] = [];
  #closed = false;
  // Readers waiting for the set to drain, one per subscribed connection.
  #paused: (() => void)[] = [];
  #wake: (() => void) | undefined;
  /** Events may have been missed since the last {@link takeLost}. */
  lost = false;
  events = 0;

  /** @param sources the server, or every master of a cluster */
  constructor(
    sources: RedisUri | readonly RedisUri[],
    readonly tls?: TlsOptions,
    readonly limit = 100_000,
  ) {
    this.sources = Array.isArray(sources) ? sources : [sources as RedisUri];
  }

  get pending(): number {
    return this.#keys.size;
  }

  /** Subscribes; resolves once every source confirmed, so no change after this is missed. */
  async start(): Promise<void> {
    try {
      await Promise.all(this.sources.map((source) => this.#subscribe(source)));
    } catch (error) {
      // The subscriptions that did start are not left reading for nobody.
      this.close();
      throw error;
    }
  }

  async #subscribe(source: RedisUri): Promise<void> {
    const { addr, username, password, db } = source;
    const conn = source.tls
      ? await connectTls(addr, this.tls ?? {})
      : await Deno.connect({ hostname: addr.hostname, port: addr.port });
    this.#conns.push(conn);
    // Closed while connecting (the run was stopped): nothing to subscribe for.
    if (this.#closed) {
      conn.close();
      return;
    }
    const commands: string[][] = [];
    if (password !== undefined) {
      commands.push(username ? ["AUTH", username, password] : ["AUTH", password]);
    }
    commands.push(["PSUBSCRIBE", `__keyspace@${db}__:*`]);
    for (const command of commands) await conn.write(encodeCommand(command).slice());
    const confirmed = Promise.withResolvers<void>();
    this.#read(conn, `__keyspace@${db}__:`.length, confirmed);
    await confirmed.promise;
  }

  async #read(conn: Deno.Conn, prefix: number, confirmed: PromiseWithResolvers<void>) {
    const buffer = new Uint8Array(64 * 1024);
    const scanner = new ReplyScanner();
    try {
      while (!this.#closed) {
        if (this.#keys.size >= this.limit) {
          await new Promise<void>((resolve) => this.#paused.push(resolve));
          continue;
        }
        const n = await conn.read(buffer);
        if (n === null) break;
        for (const frame of scanner.push(buffer.slice(0, n))) {
          const reply: Reply = decodeReply(frame);
          if (reply.type === "error") throw new NotificationsOffError(reply.message);
          if (reply.type !== "array") continue;
          const kind = replyText(reply.value[0]);
          if (kind === "psubscribe") confirmed.resolve();
          if (kind !== "pmessage") continue;
          const channel = reply.value[2];
          if (channel.type !== "bulk") continue;
          const key = channel.value.subarray(prefix);
          this.#keys.set(keyString(0, key), key);
          this.events++;
          this.#wake?.();
        }
      }
    } catch (error) {
      // A read cut short by close() is the end of the feed, not a failure to report.
      if (!this.#closed) confirmed.reject(error);
    }
    if (!this.#closed) this.lost = true;
    confirmed.resolve();
    this.#wake?.();
  }

  /** Events may have been missed elsewhere (a new cluster master): the caller rescans. */
  markLost(): void {
    this.lost = true;
    this.#wake?.();
  }

  /** Puts keys back, e.g. ones whose copy failed, to be taken again. */
  requeue(keys: readonly Uint8Array[]): void {
    for (const key of keys) this.#keys.set(keyString(0, key), key);
    if (keys.length) this.#wake?.();
  }

  /** Up to `max` changed keys, removed from the set; waits while there are none. */
  async take(max: number): Promise<Uint8Array[]> {
    while (this.#keys.size === 0 && !this.#closed && !this.lost) {
      await new Promise<void>((resolve) => (this.#wake = resolve));
    }
    const out: Uint8Array[] = [];
    for (const [id, key] of this.#keys) {
      out.push(key);
      this.#keys.delete(id);
      if (out.length >= max) break;
    }
    if (this.#keys.size < this.limit / 2) this.#resumeReaders();
    return out;
  }

  #resumeReaders(): void {
    for (const resume of this.#paused.splice(0)) resume();
  }

  close(): void {
    this.#closed = true;
    this.#resumeReaders();
    this.#wake?.();
    for (const conn of this.#conns) {
      try {
        conn.close();
      } catch { /* closed */ }
    }
  }
}
