import { Counter, Gauge, type Registry } from "prom-client";
import { UpstreamGroup } from "./upstream_group.ts";

/** Failover groups' state in /metrics; `groups` is read at each scrape (a reload replaces them). */
export function registerGroupMetrics(registry: Registry, groups: () => UpstreamGroup[]): void {
  const registers = [registry];
  new Counter({
    name: "remiro_upstream_failovers_total",
    help: "Failovers a group made (failover mode) or followed (sentinel mode)",
    labelNames: ["group"],
    registers,
    collect() {
      this.reset();
      for (const group of groups()) this.labels(group.name).inc(group.failovers);
    },
  });
  new Gauge({
    name: "remiro_upstream_master",
    help: "1 for the member of a group that writes go to",
    labelNames: ["group", "address"],
    registers,
    collect() {
      this.reset();
      for (const group of groups()) {
        if (group.master) this.set({ group: group.name, address: group.master }, 1);
      }
    },
  });
  new Gauge({
    name: "remiro_upstream_member_up",
    help: "1 when a group member's last check passed, by role",
    labelNames: ["group", "address", "role"],
    registers,
    collect() {
      this.reset();
      for (const group of groups()) {
        for (const member of group.members) {
          const labels = {
            group: group.name,
            address: member.address,
            role: member.role ?? "unknown",
          };
          this.set(labels, member.up ? 1 : 0);
        }
      }
    },
  });
  new Gauge({
    name: "remiro_upstream_replica_lag_bytes",
    help: "How far a replica's replication offset is behind its master's",
    labelNames: ["group", "address"],
    registers,
    collect() {
      this.reset();
      for (const group of groups()) {
        for (const member of group.members) {
          if (member.lag !== undefined) {
            this.set({ group: group.name, address: member.address }, member.lag);
          }
        }
      }
    },
  });
}

/** The failover groups among some upstreams. */
export function groupsOf(targets: readonly { group?: unknown }[]): UpstreamGroup[] {
  return targets.flatMap((t) => t.group instanceof UpstreamGroup ? [t.group] : []);
}
