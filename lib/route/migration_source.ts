import type { HealthProbe } from "../http/mod.ts";
import type { Request } from "../upstream/mod.ts";
import type { Target } from "./target.ts";

/**
 * What a migration reads from and retires keys on: one server or a failover group (a
 * {@linkcode Target}), or a ring or a Redis Cluster, where each command goes to the node of its
 * key and keyless ones (SCAN, DBSIZE, KEYS, FLUSHDB) to every node.
 */
export interface MigrationSource {
  /** Sends an encoded command; see Target.send. */
  send(clientDb: number, command: string, frame: Request, protocol?: 2 | 3): Promise<Uint8Array>;
  /** Encodes and sends a command built by the proxy itself. */
  call(
    clientDb: number,
    args: readonly (string | Uint8Array)[],
    protocol?: 2 | 3,
  ): Promise<Uint8Array>;
  /** Commands for one key go back to back on one connection, one promise per command. */
  callAll(
    clientDb: number,
    commands: readonly (readonly (string | Uint8Array)[])[],
    protocol?: 2 | 3,
  ): Promise<Uint8Array>[];
  /** Resolves with Redis's error frame when the database does not exist. */
  checkDb(clientDb: number): Promise<Uint8Array | undefined>;
  /** Health probes, named `name` (and `name host:port` per node of a ring or cluster). */
  probes(name: string): HealthProbe[];
  /** The servers behind it, for metrics and the status page. */
  readonly targets: readonly Target[];
  retire(): void;
  close(): void;
}
