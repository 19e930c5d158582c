import type { CommandSpec } from "../commands/mod.ts";
import { encodeRequest } from "../resp/mod.ts";
import { isBlocking, metricName, type RouteContext, type Router } from "./router.ts";
import type { Target } from "./target.ts";

/** Plain proxy: every command goes to the destination as it is (no `[Source]` configured). */
export class SingleRouter implements Router {
  readonly probes;
  #destination: Target;

  constructor(destination: Target) {
    this.#destination = destination;
    this.probes = [{ name: "destinationRedis" as const, ping: () => destination.ping() }];
  }

  route(
    args: Uint8Array[],
    spec: CommandSpec | undefined,
    context: RouteContext,
  ): Promise<Uint8Array> {
    return forward(this.#destination, args, spec, context);
  }

  checkDb(db: number): Promise<Uint8Array | undefined> {
    return this.#destination.checkDb(db);
  }

  close(): void {
    this.#destination.pool.close();
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
  if (!isBlocking(spec)) return target.send(context.db, metricName(spec), frame);
  const reply = target.sendBlocking(context.db, metricName(spec), frame);
  context.hold(reply);
  return reply;
}
