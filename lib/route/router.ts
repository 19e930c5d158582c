import type { CommandSpec } from "../commands/mod.ts";
import type { HealthProbe } from "../http/mod.ts";
import type { ReplySink } from "../upstream/mod.ts";
import type { Target } from "./target.ts";

/** What a router may know and do about the client whose command it routes. */
export interface RouteContext {
  /** The client's selected database ({@linkcode DEFAULT_DB} until it SELECTs). */
  readonly db: number;
  /** The RESP version the client speaks; its replies come from connections speaking it. */
  readonly protocol: 2 | 3;
  /**
   * The client has used WAIT: it wants to read what it wrote, so its reads stay on the master
   * when a group would send them to replicas.
   */
  readonly readsFromPrimary?: boolean;
  /**
   * While `routeTo` runs: the client's own bytes for `args` when `args` is the very array
   * decoded from them and they were canonical RESP (see RequestDecoder.frames), else undefined.
   * A router may send them instead of encoding `args` again. A router that changes a command
   * makes a new array (as `takeHashOverride` does), never edits `args` in place.
   */
  requestFrame?(args: readonly Uint8Array[]): Uint8Array | undefined;
  /** Resolves when every earlier command of this client has its final reply. */
  settled(): Promise<void>;
  /**
   * Holds back this client's later commands until `dispatched` settles. A router calls it when
   * it cannot send a command right away (it must first look at the destination or copy a key),
   * so that later commands of the same client cannot overtake it.
   */
  hold(dispatched: Promise<unknown>): void;
}

/** Where a command of a transaction runs, and what is sent there. */
export interface PinnedCommand {
  readonly target: Target;
  readonly args: Uint8Array[];
}

/** Where a Redis Cluster's MOVED or ASK reply sends a command. */
export interface Redirection {
  readonly target: Target;
  /** ASK: the slot is being migrated, and the command must follow ASKING on that node. */
  readonly asking: boolean;
}

/** Decides where a command goes and produces its reply frame. */
export interface Router {
  /**
   * Routes one command; `spec` is its command table entry (undefined for commands Redis does
   * not know), already checked for arity. The reply is a raw RESP frame; error replies from upstream are frames
   * too. Rejects only when an upstream is unreachable (UpstreamError).
   */
  route(
    args: Uint8Array[],
    spec: CommandSpec | undefined,
    context: RouteContext,
  ): Promise<Uint8Array>;
  /**
   * Optional fast path of {@linkcode route} for commands sent at once, as most are: the reply
   * frame (or the failure) goes to `sink`, with no promise per command. Returns false, having
   * done nothing, for a command that needs `route` (one that blocks or must wait).
   */
  routeTo?(
    args: Uint8Array[],
    spec: CommandSpec | undefined,
    context: RouteContext,
    sink: ReplySink,
  ): boolean;
  /** The server that transactions, subscriptions and MONITOR run on (the destination). */
  readonly primary: Target;
  /**
   * Routers over several nodes only: the node a command inside a transaction runs on, with the
   * arguments sent there; an error frame when its keys are on several nodes; undefined when it
   * names no key. Routers without it run every transaction on `primary`.
   */
  pin?(args: Uint8Array[], spec: CommandSpec | undefined): PinnedCommand | Uint8Array | undefined;
  /**
   * Routers over a Redis Cluster only: where a MOVED or ASK reply from `from` sends the command
   * (a MOVED also updates the router's slot map); undefined for any other reply. For commands
   * the router did not send itself (a transaction's, on a connection of its own).
   */
  redirection?(reply: Uint8Array, from: Target): Redirection | undefined;
  /**
   * Routers that take arguments of their own off a command (a ring's `hash=KEY`): how many
   * arguments the command has without them, for the arity check.
   */
  routedLength?(args: Uint8Array[]): number;
  /**
   * Gets the keys of a command ready before it is sent on a connection of its own (inside a
   * transaction, WATCH). Resolves with an error frame when that failed.
   */
  prepare(
    args: Uint8Array[],
    spec: CommandSpec | undefined,
    db: number,
  ): Promise<Uint8Array | undefined> | undefined;
  /** Resolves with an error frame when database `db` does not exist on every upstream. */
  checkDb(db: number): Promise<Uint8Array | undefined>;
  /**
   * True when the router orders its commands per key (a migration router's copies and source
   * deletions): another router must not take over while its commands are under way.
   */
  readonly ordersKeys: boolean;
  /** The upstreams: metrics and the status page read their groups. */
  readonly targets: readonly Target[];
  /** Health probes for `/health`, one per upstream server. */
  readonly probes: readonly HealthProbe[];
  /** Closes all upstream connections. */
  close(): void;
  /**
   * Takes the router out of service after a config reload: commands already sent finish on its
   * connections, which then close (see UpstreamPool.retire).
   */
  retire(): void;
}

/** True for commands that can block their connection, which must not be a shared one. */
export function isBlocking(spec: CommandSpec | undefined): boolean {
  return spec?.flags.has("blocking") === true;
}

/** Lower-case command name for metrics ("other" is applied by the metrics for unknown ones). */
export function metricName(spec: CommandSpec | undefined): string {
  return spec?.name ?? "other";
}
