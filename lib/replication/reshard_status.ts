import type { Backlog } from "./backlog.ts";
import type { ReplicaSession } from "./replica_session.ts";
import type { ReshardMetrics } from "./reshard_metrics.ts";

/** What the status views need of a reshard proxy. */
export interface ReshardState {
  readonly replid: string;
  readonly backlog: Backlog;
  readonly sessions: ReadonlySet<ReplicaSession>;
  readonly metrics: ReshardMetrics;
  readonly master: { replid: string; offset: number; streaming: boolean };
}

/** `INFO replication` as the proxy answers it: itself as a master, its replicas, its upstream. */
export function replicationInfo(proxy: ReshardState): string {
  const lines = ["# Replication", "role:master", `connected_slaves:${proxy.sessions.size}`];
  [...proxy.sessions].forEach((s, i) =>
    lines.push(
      `slave${i}:name=${s.name},state=${s.state},offset=${s.acked},lag_bytes=${
        proxy.backlog.end - s.acked
      }`,
    )
  );
  lines.push(`master_replid:${proxy.replid}`, `master_repl_offset:${proxy.backlog.end}`);
  const { master } = proxy;
  lines.push(
    `upstream_link_status:${master.streaming ? "up" : "down"}`,
    `upstream_offset:${master.offset}`,
  );
  return lines.join("\r\n") + "\r\n";
}

/** Sets the per-replica lag and the replicas-by-state gauges from the sessions now. */
export function refreshGauges(proxy: ReshardState): void {
  const { metrics } = proxy;
  metrics.replicaLag.reset();
  metrics.replicas.reset();
  for (const session of proxy.sessions) {
    metrics.replicaLag.set({ replica: session.name }, proxy.backlog.end - session.acked);
    metrics.replicas.inc({ state: session.state });
  }
}
