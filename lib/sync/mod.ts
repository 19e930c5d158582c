/**
 * `remiro replicate` and `remiro verify`: copying keys between two Redis databases by SCAN and
 * DUMP/RESTORE, following changes live (keyspace notifications or the replication stream), and
 * proving the copy complete key by key.
 *
 * @module
 */
export { parseRedisUri, type RedisUri, RedisUriError } from "./redis_uri.ts";
export { type Arg, SyncClient, type SyncClientOptions } from "./sync_client.ts";
export type { RedisLink } from "./redis_link.ts";
export { ClusterClient } from "./cluster_client.ts";
export { keySlot } from "./key_slot.ts";
export { scanKeys, type ScanOptions } from "./key_scan.ts";
export { copyKeys, type CopyOptions, type CopyStats, newCopyStats } from "./key_copy.ts";
export { copyInChunks } from "./chunk_copy.ts";
export { valueDigest } from "./value_digest.ts";
export {
  type Difference,
  formatReport,
  probeServer,
  verifyDatabases,
  type VerifyOptions,
  type VerifyReport,
} from "./verify.ts";
export {
  ensureNotifications,
  NotificationFeed,
  NotificationsOffError,
} from "./notification_feed.ts";
export { type FeedStats, ReplicationFeed } from "./replication_feed.ts";
export { newReplicateStats, Progress, type ReplicateStats } from "./progress.ts";
export { type ReplicateOptions, ReplicateOptionsError, Replicator } from "./replicator.ts";
