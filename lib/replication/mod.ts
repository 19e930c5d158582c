/**
 * Redis replication: a replica client of a master (MasterLink), a server of replicas
 * (ReplicaSession), the filtered stream they share (Backlog, StreamFilter), checkpoints, and
 * the reshard proxy built from them.
 *
 * @module
 */
export { Backlog } from "./backlog.ts";
export { type Checkpoint, CheckpointError, loadCheckpoint, saveCheckpoint } from "./checkpoint.ts";
export {
  MasterLink,
  type MasterLinkEvents,
  type MasterLinkOptions,
  ReplicationHandshakeError,
} from "./master_link.ts";
export { ReplicaSession, type ReplicationSource, type Snapshot } from "./replica_session.ts";
export type { ReshardOptions } from "./reshard_options.ts";
export { ReshardProxy } from "./reshard_proxy.ts";
export { ReshardMetrics } from "./reshard_metrics.ts";
export { type StreamCommand, StreamDecoder } from "./stream_decoder.ts";
export { type FilterOutcome, type FilterResult, StreamFilter } from "./stream_filter.ts";
