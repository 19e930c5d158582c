import type { Hooks } from "../hooks/mod.ts";

/** How a `ReshardProxy` follows its master and serves its replicas. */
export interface ReshardOptions {
  master: { hostname: string; port: number; username?: string; password?: string };
  listen: { hostname: string; port: number };
  include?: RegExp;
  exclude?: RegExp;
  /** File where the resume point is kept; without it a restart means a full sync. */
  checkpointPath?: string;
  /** Filtered stream kept for replicas to continue from (default 64 MiB). */
  backlogBytes?: number;
  /** Directory for snapshot files (default: a temporary one). */
  workDir?: string;
  replicaWriteTimeoutMs?: number;
  log?: (message: string) => void;
  /**
   * User hooks and change sinks: snapshot entries and stream commands pass through them before
   * replicas get them. They must be deterministic for a checkpoint to resume byte for byte.
   */
  hooks?: Hooks;
}
