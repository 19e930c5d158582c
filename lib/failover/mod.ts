/**
 * Failover groups: a master and its replicas behind one upstream, followed by Remiro's own
 * checks (promoting a replica when the master is down) or through Redis Sentinel.
 *
 * @module
 */
export { type MemberStatus, UpstreamGroup } from "./upstream_group.ts";
export { parseReplicationInfo, type ReplicationInfo } from "./replication_info.ts";
export { groupsOf, registerGroupMetrics } from "./group_metrics.ts";
