import type { HooksConfig } from "./read_hooks.ts";
import type { ClientLimits } from "./read_limits.ts";

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
  /** `ConnectTimeout` in milliseconds (absent: 5 s). */
  connectTimeoutMs?: number;
  /**
   * `CommandTimeout` in milliseconds: a shared connection with no reply for this long is
   * closed and its commands fail (absent or 0: no limit).
   */
  commandTimeoutMs?: number;
  /**
   * A group of servers behind this section (`Mode = "failover"` or `"sentinel"`); `addr` and
   * `addrText` then name the first member or sentinel, for messages only.
   */
  group?: GroupConfig;
  /** `Tls = true` and its keys: every connection to this section's servers uses TLS. */
  tls?: ServerTlsConfig;
}

/** How connections to a server section are secured (PEM texts, read when the config loads). */
export interface ServerTlsConfig {
  /** `TlsCaCert`: certificates trusted besides the system's roots, one PEM block each. */
  caCerts?: string[];
  /** `TlsServerName`: the name sent (SNI) and verified; default the host of each address. */
  serverName?: string;
  /** `TlsCert`: the client certificate chain, for servers with `tls-auth-clients yes`. */
  cert?: string;
  /** `TlsKey`: the client certificate's private key. */
  key?: string;
}

/** The client-facing listener's TLS (PEM texts, read when the config loads). */
export interface ListenTlsConfig {
  /** `TlsCert`: the proxy's certificate chain. */
  cert: string;
  /** `TlsKey`: its private key. */
  key: string;
  /** `TlsCaCert`: clients must present a certificate signed by one of these. */
  clientCaCerts?: string[];
}

/** A master and its replicas, followed by Remiro itself or through Redis Sentinel. */
export interface GroupConfig {
  /**
   * `failover`: Remiro checks the members and promotes a replica; `sentinel`: Sentinel does;
   * `ring`: keys spread over the members by consistent hashing; `cluster`: the members are
   * seed nodes of a Redis Cluster.
   */
  mode: "failover" | "sentinel" | "ring" | "cluster";
  /** `Addrs`: the members (failover and ring mode), or a cluster's seed nodes. */
  members: GroupMember[];
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
  /** `Hash` (ring mode): how keys are placed on the ring. */
  hash?: "ketama";
  /**
   * `RebalanceRate` (ring mode): keys per second the rebalancer moves after a reload changed
   * `Addrs` (5000).
   */
  rebalanceRate?: number;
}

/** One server of `Addrs`. */
export interface GroupMember {
  addr: { hostname: string; port: number } | { path: string };
  /** The address as written (without a ring member's name and weight). */
  addrText: string;
  /** Ring mode, `name=host:port`: the name its ketama points are hashed from. */
  name?: string;
  /** Ring mode, `host:port:weight`: its share of the ring relative to the others (1). */
  weight?: number;
}

/** One `[[Users]]` entry: a user clients log in as with `AUTH <name> <password>`. */
export interface UserConfig {
  /** `Name`: unique; `default` replaces the default user. */
  name: string;
  /** `Password` (absent with `NoPass = true`). */
  password?: string;
  /** `NoPass`: any password logs in. */
  nopass: boolean;
  /** `Commands`: Redis ACL rules applied in order (`+@read`, `-@dangerous`, `+get`, ...). */
  commands: string[];
  /** `Keys`: glob patterns of the keys the user may touch (`*` for all; none by default). */
  keys: string[];
  /** `Enabled` (true): a disabled user cannot log in. */
  enabled: boolean;
}

/** `AuthFailureLimit` and `AuthFailureWindow`: failed AUTHs one client address may make. */
export interface AuthLimitsConfig {
  /** Failures within the window before the address is refused (10; 0: no limit). */
  limit: number;
  /** The window in milliseconds, and how long the address is then refused (60 s). */
  windowMs: number;
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
  /** `MaxClients`, `ProtoMaxBulkLen`, ...: what one client may cost (absent: the defaults). */
  limits?: ClientLimits;
  /** `TlsCert`/`TlsKey`/`TlsCaCert`: clients connect with TLS only. */
  tls?: ListenTlsConfig;
  /** `[[Users]]`: ACL-style users the proxy enforces itself. */
  users?: UserConfig[];
  /** `AuthFailureLimit`/`AuthFailureWindow` (absent: 10 failures per 60 s). */
  authLimits?: AuthLimitsConfig;
  /** `[Source]`: the old server keys are copied from. */
  source?: ServerConfig;
  /** `[Destination]`: the new server every command goes to. */
  destination: ServerConfig;
  /** `Hooks`: user hooks (filter, onChange) on the copy on read. */
  hooks?: HooksConfig;
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
