import { Counter, Gauge, Registry } from "prom-client";
import type { FilterOutcome } from "./stream_filter.ts";

/** The reshard proxy's Prometheus metrics, prefixed remiro_reshard_. */
export class ReshardMetrics {
  readonly registry = new Registry();
  readonly upstreamUp = new Gauge({
    name: "remiro_reshard_upstream_up",
    help: "1 while the replication link to the master is streaming",
    registers: [this.registry],
  });
  readonly masterOffset = new Gauge({
    name: "remiro_reshard_master_offset",
    help: "Master replication offset consumed",
    registers: [this.registry],
  });
  readonly proxyOffset = new Gauge({
    name: "remiro_reshard_proxy_offset",
    help: "Offset of the filtered stream the proxy serves",
    registers: [this.registry],
  });
  readonly replicaLag = new Gauge({
    name: "remiro_reshard_replica_lag_bytes",
    help: "Filtered stream bytes a replica has not acknowledged",
    labelNames: ["replica"],
    registers: [this.registry],
  });
  readonly replicas = new Gauge({
    name: "remiro_reshard_replicas",
    help: "Connected replicas by state",
    labelNames: ["state"],
    registers: [this.registry],
  });
  readonly snapshotKeys = new Counter({
    name: "remiro_reshard_snapshot_keys_total",
    help: "Keys read from master snapshots, kept or dropped by the filter",
    labelNames: ["result"],
    registers: [this.registry],
  });
  readonly commands = new Counter({
    name: "remiro_reshard_commands_total",
    help:
      "Stream commands by what the filter did: passed, dropped, split, mixed (dropped and logged), unknown (passed)",
    labelNames: ["result"],
    registers: [this.registry],
  });
  readonly fullSyncs = new Counter({
    name: "remiro_reshard_full_syncs_total",
    help: "Full syncs: from the master (upstream) and served to replicas (downstream)",
    labelNames: ["direction"],
    registers: [this.registry],
  });
  readonly partialSyncs = new Counter({
    name: "remiro_reshard_partial_syncs_total",
    help:
      "Continuations (+CONTINUE): from the master (upstream) and served to replicas (downstream)",
    labelNames: ["direction"],
    registers: [this.registry],
  });
  readonly replicaDrops = new Counter({
    name: "remiro_reshard_replica_drops_total",
    help: "Replica sessions ended by the proxy, by reason",
    labelNames: ["reason"],
    registers: [this.registry],
  });

  #outcomes = new Map<FilterOutcome, number>();
  #snapshotKept = 0;
  #snapshotDropped = 0;

  /** Counted in plain numbers per key and handed to prom-client at scrape time. */
  countSnapshotKey(kept: boolean): void {
    if (kept) this.#snapshotKept++;
    else this.#snapshotDropped++;
  }

  /** Counted in plain numbers on the hot path and handed to prom-client at scrape time. */
  countCommand(outcome: FilterOutcome): void {
    this.#outcomes.set(outcome, (this.#outcomes.get(outcome) ?? 0) + 1);
  }

  async render(): Promise<{ contentType: string; body: string }> {
    for (const [outcome, count] of this.#outcomes) this.commands.inc({ result: outcome }, count);
    this.#outcomes.clear();
    this.snapshotKeys.inc({ result: "kept" }, this.#snapshotKept);
    this.snapshotKeys.inc({ result: "dropped" }, this.#snapshotDropped);
    this.#snapshotKept = this.#snapshotDropped = 0;
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
