import type { Reply } from "../resp/mod.ts";
import type { Arg } from "./sync_client.ts";

/**
 * What replicate and verify need of a server: one Redis (SyncClient) or a Redis Cluster
 * (ClusterClient, which routes each command to the node owning its key).
 */
export interface RedisLink {
  readonly name: string;
  call(...args: Arg[]): Promise<Reply>;
  /** Replies in the order of `commands`. */
  pipeline(commands: readonly Arg[][]): Promise<Reply[]>;
  /** The single servers to walk with SCAN: itself, or every master of a cluster. */
  nodes(): RedisLink[];
  close(): void;
}
