import { OK } from "../resp/mod.ts";
import type { Router } from "../route/mod.ts";
import { Monitor } from "./monitor.ts";
import { unsubscribedReply } from "./pubsub_replies.ts";
import { Subscriber, type SubscriberHost } from "./subscriber.ts";

/** What a client's subscriptions and MONITOR need from its session. */
export interface FeedHost extends SubscriberHost {
  readonly db: number;
  readonly protocol: 2 | 3;
  readonly router: Router;
  /** Holds the client's later commands until `dispatched` settles (see RouteContext.hold). */
  hold(dispatched: Promise<unknown>): void;
}

/**
 * The server-pushed streams of one client, its subscriptions and its MONITOR, each on a
 * connection of its own that exists only while it is in use.
 */
export class Feeds {
  #host: FeedHost;
  #subscriber: Subscriber | undefined;
  #subscriberOpening: Promise<Subscriber> | undefined;
  #monitor: Promise<Monitor> | undefined;
  #dropped = false;

  constructor(host: FeedHost) {
    this.#host = host;
  }

  /** The open subscriptions, if any. */
  get subscriber(): Subscriber | undefined {
    return this.#subscriber;
  }

  get monitoring(): boolean {
    return this.#monitor !== undefined;
  }

  /** Subscribed to something (the client is in subscribed mode). */
  get subscribed(): boolean {
    return (this.#subscriber?.count ?? 0) > 0;
  }

  /** Counts of each kind of subscription, as CLIENT LIST shows them. */
  get subscriptionCounts(): { channels: number; patterns: number; shardChannels: number } {
    const s = this.#subscriber;
    return {
      channels: s?.channels.size ?? 0,
      patterns: s?.patterns.size ?? 0,
      shardChannels: s?.shardChannels.size ?? 0,
    };
  }

  /** A (P|S)(UN)SUBSCRIBE. */
  subscribe(name: string, args: Uint8Array[]): Uint8Array | Promise<Uint8Array> {
    const host = this.#host;
    let opening = this.#subscriberOpening;
    if (!opening) {
      if (name.endsWith("unsubscribe")) return unsubscribedReply(name, args, host.protocol);
      const primary = host.router.primary;
      const opened = Subscriber.open(primary.pool, primary.db(host.db), host.protocol, host);
      this.#subscriberOpening = opening = opened;
      opened.then((subscriber) => {
        if (this.#subscriberOpening === opened && !this.#dropped) this.#subscriber = subscriber;
        else subscriber.close();
      }, () => {
        if (this.#subscriberOpening === opened) this.#subscriberOpening = undefined;
      });
    }
    const subscriber = this.#subscriber;
    const sent = subscriber ? subscriber.send(name, args) : opening.then((s) => s.send(name, args));
    const reply = sent.then((frame) => {
      this.#closeIdleSubscriber();
      return frame;
    });
    // In RESP2 the next command is allowed or not depending on what this one leaves.
    if (host.protocol === 2) host.hold(reply);
    return reply;
  }

  /** MONITOR. */
  monitor(): Uint8Array | Promise<Uint8Array> {
    if (this.#monitor) return OK;
    const host = this.#host;
    const primary = host.router.primary;
    const started = Monitor.start(primary.pool, primary.db(host.db), host);
    this.#monitor = started.then((s) => s.monitor);
    this.#monitor.catch(() => this.#monitor = undefined);
    const reply = started.then((s) => s.reply);
    // The feed must not overtake the replies of commands sent after MONITOR.
    host.hold(reply);
    return reply;
  }

  /** Ends subscriptions and MONITOR, closing their connections (RESET, disconnect). */
  drop(): void {
    this.#subscriberOpening?.then((subscriber) => subscriber.close(), () => {});
    this.#subscriberOpening = undefined;
    this.#subscriber = undefined;
    this.#monitor?.then((monitor) => monitor.close(), () => {});
    this.#monitor = undefined;
  }

  /** Stops for good: nothing opened later is kept. */
  close(): void {
    this.#dropped = true;
    this.drop();
  }

  /** With nothing left subscribed, the connection goes: the client is an ordinary one again. */
  #closeIdleSubscriber(): void {
    const subscriber = this.#subscriber;
    if (!subscriber || subscriber.count > 0 || subscriber.busy) return;
    subscriber.close();
    this.#subscriber = undefined;
    this.#subscriberOpening = undefined;
  }
}
