/**
 * One Redis server Remiro talks to: a `[Source]` or `[Destination]` section of the config
 * file, with its defaults filled in.
 */
export interface ServerConfig {
  /** Where the server listens: TCP (`hostname` has no IPv6 brackets) or a unix socket. */
  addr: { hostname: string; port: number } | { path: string };
  /** `Addr` as written in the config, for messages. */
  addrText: string;
  /** `Password`: sent with AUTH on every connection (absent when unset or empty). */
  password?: string;
  /** `Username`: the ACL user (Redis 6+); only ever set together with `password`. */
  username?: string;
  /** `DB`: the database clients start in (0 to 2^31-1). */
  db: number;
  /** `MaxIdleConns`: idle dedicated connections kept for reuse (0 keeps none). */
  maxIdleConns: number;
  /**
   * `IdleTimeout` in milliseconds (may be fractional): idle connections are closed after it.
   * `Infinity` when the config says `"0"`, which in the Go Remiro meant "never close".
   */
  idleTimeoutMs: number;
  /**
   * A group of servers behind this section (`Mode = "failover"` or `"sentinel"`); `addr` and
   * `addrText` then name the first member or sentinel, for messages only.
   */
  group?: GroupConfig;
}

/** A master and its replicas, followed by Remiro itself or through Redis Sentinel. */
export interface GroupConfig {
  /** `failover`: Remiro checks the members and promotes a replica; `sentinel`: Sentinel does. */
  mode: "failover" | "sentinel";
  /** `Addrs`: the members (failover mode). */
  members: { addr: { hostname: string; port: number } | { path: string }; addrText: string }[];
  /** `Sentinels`: where to ask for the master (sentinel mode). */
  sentinels: { addr: { hostname: string; port: number } | { path: string }; addrText: string }[];
  /** `MasterName`: the name the sentinels monitor the master by. */
  masterName?: string;
  /** `SentinelPassword`: the sentinels' own `requirepass` (absent when unset or empty). */
  sentinelPassword?: string;
  /** `ReadFrom`: read-only commands go to the master, or round-robin to healthy replicas. */
  readFrom: "master" | "replicas";
  /** `CheckInterval` in milliseconds (1 s). */
  checkIntervalMs: number;
  /** `DownAfter` in milliseconds: failed checks for this long mark a server down (3 s). */
  downAfterMs: number;
  /** `MaxReplicaLag` in bytes of replication offset: replicas further behind get no reads. */
  maxReplicaLagBytes: number;
}

/**
 * A validated Remiro config file.
 *
 * Without `source` Remiro is a plain proxy to `destination`.
 */
export interface Config {
  /** `DeleteOnGet`: delete the source copy after a read copied the key to the destination. */
  deleteOnGet: boolean;
  /** `DeleteOnSet`: delete the source copy after a whole-value write such as SET. */
  deleteOnSet: boolean;
  /** `AllowFlush`: FLUSHDB and FLUSHALL are run (on every server) instead of refused. */
  allowFlush?: boolean;
  /** `Password`: clients must AUTH with it first (absent when unset or empty). */
  password?: string;
  /**
   * `AdminToken`: enables `POST /admin/reload` on the metrics port for requests that carry
   * `Authorization: Bearer <token>` (absent: the admin endpoints do not exist).
   */
  adminToken?: string;
  /**
   * `ShutdownTimeout` in milliseconds: how long SIGTERM waits for commands in flight
   * (absent: {@linkcode DEFAULT_SHUTDOWN_TIMEOUT_MS}).
   */
  shutdownTimeoutMs?: number;
  /** `ReusePort`: listen with SO_REUSEPORT so a second instance can take over the port. */
  reusePort?: boolean;
  /** `[Source]`: the old server keys are copied from. */
  source?: ServerConfig;
  /** `[Destination]`: the new server every command goes to. */
  destination: ServerConfig;
  /** `[Migration]`: the sweeper that moves every key, read or not. */
  migration?: {
    /** `Sweep`: run it. */
    sweep: boolean;
    /** `Match`: only keys matching this glob (SCAN MATCH). */
    match?: string;
    /** `Regex`: only keys matching this regular expression (checked after SCAN). */
    regex?: RegExp;
    /** `Rate`: keys per second at most (default 1000). */
    rate: number;
  };
}

/** How long a graceful shutdown waits for commands in flight when `ShutdownTimeout` is unset. */
export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 10_000;
