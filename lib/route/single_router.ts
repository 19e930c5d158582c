import { type CommandSpec, lowerAsciiString } from "../commands/mod.ts";
import type { HealthProbe } from "../http/mod.ts";
import { encodeRequest } from "../resp/mod.ts";
import type { ReplySink } from "../upstream/mod.ts";
import { isBlocking, metricName, type RouteContext, type Router } from "./router.ts";
import type { Target } from "./target.ts";

/** Plain proxy: every command goes to the destination as it is (no `[Source]` configured). */
export class SingleRouter implements Router {
  #destination: Target;

  constructor(destination: Target) {
    this.#destination = destination;
  }

  /** Computed on each use: a sentinel group learns its members while running. */
  get probes(): HealthProbe[] {
    return this.#destination.probes("destinationRedis");
  }

  get targets(): readonly Target[] {
    return [this.#destination];
  }

  route(
    args: Uint8Array[],
    spec: CommandSpec | undefined,
    context: RouteContext,
  ): Promise<Uint8Array> {
    return forward(this.#destination, args, spec, context);
  }

  routeTo(
    args: Uint8Array[],
    spec: CommandSpec | undefined,
    context: RouteContext,
    sink: ReplySink,
  ): boolean {
    return forwardTo(this.#destination, args, spec, context, sink);
  }

  get primary(): Target {
    return this.#destination;
  }

  /** A plain proxy has nothing to prepare. */
  prepare(): undefined {
    return undefined;
  }

  checkDb(db: number): Promise<Uint8Array | undefined> {
    return this.#destination.checkDb(db);
  }

  readonly ordersKeys = false;

  retire(): void {
    this.#destination.retire();
  }

  close(): void {
    this.#destination.close();
  }
}

/**
 * Sends a command to one target. A blocking command takes a dedicated connection and holds
 * the client's later commands until it returns, as Redis does for a blocked client.
 */
export function forward(
  target: Target,
  args: Uint8Array[],
  spec: CommandSpec | undefined,
  context: RouteContext,
): Promise<Uint8Array> {
  const frame = encodeRequest(args);
  const { db, protocol } = context;
  if (waitsForReplicas(spec, args)) {
    // Taken now: once this command is issued, "settled" would include its own reply.
    const earlier = context.settled();
    const reply = earlier.then(() => target.sendWait(db, metricName(spec), frame, protocol));
    context.hold(reply);
    return reply;
  }
  if (!isBlocking(spec)) {
    return target.send(db, metricName(spec), frame, protocol, readsReplica(target, spec, context));
  }
  const reply = target.sendBlocking(db, metricName(spec), frame, protocol);
  context.hold(reply);
  return reply;
}

/**
 * {@linkcode forward} with the reply delivered to `sink`, for commands sent at once; false,
 * having done nothing, for the ones that block or wait (they need `forward`). The client's
 * own bytes go out when `context` has them for `args` (see RouteContext.requestFrame).
 */
export function forwardTo(
  target: Target,
  args: Uint8Array[],
  spec: CommandSpec | undefined,
  context: RouteContext,
  sink: ReplySink,
): boolean {
  if (isBlocking(spec) || waitsForReplicas(spec, args)) return false;
  const readOnly = readsReplica(target, spec, context);
  target.sendTo(
    context.db,
    metricName(spec),
    context.requestFrame?.(args) ?? encodeRequest(args),
    context.protocol,
    readOnly,
    sink,
  );
  return true;
}

/**
 * WAIT, and WAITAOF (Redis 7.2; absent from a 7.0 command table, hence the name check): they
 * count acknowledgements of the connection's own writes (see Target.sendWait).
 */
function waitsForReplicas(spec: CommandSpec | undefined, args: Uint8Array[]): boolean {
  if (spec) return spec.name === "wait" || spec.name === "waitaof";
  return args[0].length === 7 && lowerAsciiString(args[0]) === "waitaof";
}

/** Read-only commands may go to a replica, unless the client asked to read its own writes. */
function readsReplica(
  target: Target,
  spec: CommandSpec | undefined,
  context: RouteContext,
): boolean {
  return target.splitsReads && !context.readsFromPrimary && spec?.flags.has("readonly") === true;
}
