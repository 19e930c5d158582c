import { type Config, ConfigError } from "../config/mod.ts";
import type { Metrics } from "../http/mod.ts";
import type { Rebalancer } from "../shard/mod.ts";
import { Gauge } from "prom-client";

/** RebalanceRate's default: keys per second. */
export const DEFAULT_REBALANCE_RATE = 5000;

/** A reload the running proxy cannot take now; the running config stays. */
export class ReloadRefused extends ConfigError {
  override name = "ReloadRefused";

  constructor(problem: string) {
    super("", undefined, problem);
    this.message = problem;
  }
}

/**
 * True when a reload changes only which nodes a ring has (or their names and weights): keys
 * whose owner changed are then moved, not dropped. A ring with a `[Source]` is rebuilt as any
 * other upstream change is.
 */
export function isRingResize(previous: Config, next: Config): boolean {
  const [from, to] = [previous.destination.group, next.destination.group];
  if (from?.mode !== "ring" || to?.mode !== "ring") return false;
  if (previous.source !== undefined || next.source !== undefined) return false;
  const nodes = (members: typeof from.members) =>
    JSON.stringify(members.map((m) => [m.addrText, m.name ?? null, m.weight ?? 1]));
  return nodes(from.members) !== nodes(to.members);
}

/** The rebalancer's progress in /metrics; each ring resize starts a new one. */
export function registerRebalanceGauges(
  metrics: Metrics,
  current: () => Rebalancer | undefined,
): void {
  new Gauge({
    name: "remiro_ring_rebalance_keys",
    help: "Keys the ring rebalancer scanned on the old nodes, moved to their new owner, failed " +
      "to move, and still has to scan in its current pass (estimated from DBSIZE)",
    labelNames: ["state"],
    registers: [metrics.registry],
    collect() {
      const rebalancer = current();
      if (rebalancer === undefined) return;
      const { remaining, ...progress } = rebalancer.progress;
      this.set({ state: "scanned" }, progress.scanned);
      this.set({ state: "moved" }, progress.moved);
      this.set({ state: "errors" }, progress.errors);
      if (remaining !== undefined) this.set({ state: "remaining" }, remaining);
    },
  });
  new Gauge({
    name: "remiro_ring_rebalance_done",
    help: "1 once no key is left on a ring node that does not own it after the last resize",
    registers: [metrics.registry],
    collect() {
      const rebalancer = current();
      if (rebalancer !== undefined) this.set(rebalancer.progress.done ? 1 : 0);
    },
  });
}
