import type { CommandSpec } from "../commands/mod.ts";
import type { HealthProbe } from "../http/mod.ts";
import { isBlocking, type RouteContext, type Router } from "./router.ts";
import type { ReplySink } from "../upstream/mod.ts";
import type { Target } from "./target.ts";

/** Counts a router's commands under way, for a replacement to wait on. */
class InFlight {
  #count = 0;
  #idle: (() => void)[] = [];

  track<T>(promise: Promise<T>): Promise<T> {
    this.#count++;
    const done = () => this.done();
    promise.then(done, done);
    return promise;
  }

  /** `sink`, counted until its reply arrives; {@linkcode done} uncounts one never sent. */
  trackSink(sink: ReplySink): ReplySink {
    this.#count++;
    return new TrackedSink(sink, this);
  }

  done(): void {
    if (--this.#count === 0) { for (const resolve of this.#idle.splice(0)) resolve(); }
  }

  idle(): Promise<void> {
    if (this.#count === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }
}

/** A reply sink that tells its InFlight when the reply has come (one object, no promise). */
class TrackedSink implements ReplySink {
  constructor(readonly sink: ReplySink, readonly inFlight: InFlight) {}

  resolve(frame: Uint8Array): boolean | void {
    const more = this.sink.resolve(frame);
    if (more !== false) this.inFlight.done();
    return more;
  }

  reject(error: Error): void {
    this.sink.reject(error);
    this.inFlight.done();
  }
}

/**
 * The router in service, replaceable while clients stay connected (a config reload).
 *
 * A migration router's commands copy and delete keys, and its key locks order them; two
 * migration routers' commands on one key must never interleave, or a copy made by the old one
 * could restore a key the new one had just deleted. So while a migration router serves, its
 * commands are counted, and after a replacement new commands wait until the old router's have
 * finished (bounded by a deadline). The same holds when a migration router replaces a plain
 * one (a ring whose node list changed): a write still under way on a key's old owner must land
 * before the key is copied from there. Commands that block (BLPOP) are not waited for: their
 * keys were copied before they blocked. A plain router replacing a plain one does so at once:
 * its commands in flight finish on its connections, which then close.
 */
export class RouterSwitch implements Router {
  #current: Router;
  #inFlight = new InFlight();
  #gate: Promise<void> | undefined;
  #retiring = new Set<Router>();

  constructor(router: Router) {
    this.#current = router;
  }

  /** The router new commands go to. */
  get current(): Router {
    return this.#current;
  }

  get primary(): Target {
    return this.#current.primary;
  }

  get probes(): readonly HealthProbe[] {
    return this.#current.probes;
  }

  get targets(): readonly Target[] {
    return this.#current.targets;
  }

  get ordersKeys(): boolean {
    return this.#current.ordersKeys;
  }

  /** The current router's, when it has one (a router over several nodes). */
  get pin(): Router["pin"] {
    const current = this.#current;
    return current.pin && ((args, spec) => current.pin!(args, spec));
  }

  /** The current router's, when it has one (a router over a Redis Cluster). */
  get redirection(): Router["redirection"] {
    const current = this.#current;
    return current.redirection && ((reply, from) => current.redirection!(reply, from));
  }

  get routedLength(): Router["routedLength"] {
    const current = this.#current;
    return current.routedLength && ((args) => current.routedLength!(args));
  }

  route(
    args: Uint8Array[],
    spec: CommandSpec | undefined,
    context: RouteContext,
  ): Promise<Uint8Array> {
    const gate = this.#gate;
    if (gate !== undefined) {
      // Routed later, the command must still see the client as it is now: its database, and
      // "earlier commands" meaning those before it (by then its own reply is queued too).
      const earlier = context.settled();
      const now: RouteContext = {
        db: context.db,
        protocol: context.protocol,
        readsFromPrimary: context.readsFromPrimary,
        settled: () => earlier,
        hold: (dispatched) => context.hold(dispatched),
      };
      const routed = gate.then(() => this.route(args, spec, now));
      // The client's later commands must not overtake this one while it waits.
      context.hold(routed);
      return routed;
    }
    const inFlight = this.#inFlight;
    const reply = this.#current.route(args, spec, context);
    return isBlocking(spec) ? reply : inFlight.track(reply);
  }

  routeTo(
    args: Uint8Array[],
    spec: CommandSpec | undefined,
    context: RouteContext,
    sink: ReplySink,
  ): boolean {
    const current = this.#current;
    if (this.#gate !== undefined || current.routeTo === undefined) return false;
    const inFlight = this.#inFlight;
    let taken = false;
    try {
      taken = current.routeTo(args, spec, context, inFlight.trackSink(sink));
    } finally {
      if (!taken) inFlight.done();
    }
    return taken;
  }

  prepare(
    args: Uint8Array[],
    spec: CommandSpec | undefined,
    db: number,
  ): Promise<Uint8Array | undefined> | undefined {
    const gate = this.#gate;
    if (gate !== undefined) return gate.then(() => this.prepare(args, spec, db));
    const prepared = this.#current.prepare(args, spec, db);
    return prepared === undefined ? prepared : this.#inFlight.track(prepared);
  }

  checkDb(db: number): Promise<Uint8Array | undefined> {
    const gate = this.#gate;
    if (gate === undefined) return this.#current.checkDb(db);
    return gate.then(() => this.#current.checkDb(db));
  }

  /**
   * Puts `next` in service and retires the old router, at once or (when either is a migration
   * router) once its commands in flight have finished or `drainMs` passed. Resolves when the
   * old router has retired.
   */
  replace(next: Router, drainMs: number): Promise<void> {
    const old = this.#current;
    const oldInFlight = this.#inFlight;
    this.#current = next;
    this.#inFlight = new InFlight();
    if (!old.ordersKeys && !next.ordersKeys) {
      old.retire();
      return Promise.resolve();
    }
    this.#retiring.add(old);
    const gate: Promise<void> = withDeadline(oldInFlight.idle(), drainMs).then(() => {
      if (this.#gate === gate) this.#gate = undefined;
      this.#retiring.delete(old);
      old.retire();
    });
    this.#gate = gate;
    return gate;
  }

  close(): void {
    for (const router of this.#retiring) router.close();
    this.#retiring.clear();
    this.#current.close();
  }

  retire(): void {
    this.#current.retire();
  }
}

/** Resolves when `promise` settles or `ms` have passed, whichever comes first. */
export function withDeadline(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<void>((resolve) => timer = setTimeout(resolve, ms));
  return Promise.race([promise.then(() => {}, () => {}), deadline]).finally(() =>
    clearTimeout(timer)
  );
}
