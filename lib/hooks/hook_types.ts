import type { DataType, RdbValue } from "../rdb/mod.ts";

/** Where an entry or event comes from. */
export type HookSource =
  /** A key of the source's snapshot (an RDB entry, or a key read by SCAN + DUMP). */
  | "snapshot"
  /** A key named by a command of the source's replication stream: no value, no type. */
  | "stream"
  /** A key copied again after a change (keyspace notifications, the proxy's copy on read). */
  | "copy";

/**
 * One key on its way to the receiver, as `filter` and `transform` see it.
 *
 * Snapshot and copied entries have `type`, `expiresAt` and `value`; the value is decoded only
 * when read. Keys of replication stream commands have neither type nor value (`command` names
 * the command instead): a transform may rename them, and every key position of the command is
 * rewritten, so `MSET`, `DEL` or `RENAME` stay consistent.
 */
export interface HookEntry {
  /** The database the key is in. */
  db: number;
  /** The key; a transform may assign a string or bytes to rename it. */
  key: Uint8Array | string;
  /** The key as UTF-8 text (read-only view of `key`). */
  readonly keyText: string;
  /** The Redis type (`TYPE`'s name); absent for keys of stream commands. */
  readonly type?: DataType;
  /** Absolute expiry in Unix milliseconds; a transform may change or delete it. */
  expiresAt?: number;
  /** The decoded value; a transform may replace it or change it in place. */
  value?: RdbValue;
  /** For keys of stream commands: the command's name in lower case (`hset`, `del`, ...). */
  readonly command?: string;
  readonly source: HookSource;
}

/** What happened to a key. */
export type ChangeKind =
  /** The key was written (or is in the snapshot: `source` says which). */
  | "set"
  /** The key was deleted (DEL, UNLINK, GETDEL, an expired or evicted key). */
  | "delete"
  /** The key's expiry was set or removed (EXPIRE, PEXPIREAT, PERSIST, ...). */
  | "expire"
  /** The database was emptied (FLUSHDB, FLUSHALL): `key` is empty. */
  | "flush";

/** A change delivered to `onChange` and to the built-in sinks. */
export interface ChangeEvent {
  kind: ChangeKind;
  db: number;
  /** The key as UTF-8 text. */
  key: string;
  /** The Redis type, when known (snapshot and copied entries). */
  type?: string;
  /** The command that made the change (`set`, `hset`, `del`, ...), for stream events. */
  command?: string;
  /** Absolute expiry in Unix milliseconds, when known. */
  expiresAt?: number;
  source: HookSource;
  /**
   * Where in the source's replication stream the event happened, with `index` numbering the
   * events at one offset: the delivery log's position. Absent for keyspace notifications.
   */
  offset?: number;
  index?: number;
}

/** What a hook's `transform` may return: the entry (changed or not), or null/false to drop it. */
export type TransformResult = HookEntry | null | false | undefined;

/**
 * The shape of a hooks module (`--hooks FILE`); every export is optional and may be async.
 *
 * @example
 * ```ts
 * import type { HookEntry, HooksModule } from "./hook_types.ts";
 *
 * export const filter: HooksModule["filter"] = (entry: HookEntry) =>
 *   !entry.keyText.startsWith("tmp:");
 * ```
 */
export interface HooksModule {
  /** True keeps the entry, false drops it. */
  filter?: (entry: HookEntry) => boolean | Promise<boolean>;
  /** Returns the entry to pass on (changed in place or a new one), or null to drop it. */
  transform?: (entry: HookEntry) => TransformResult | Promise<TransformResult>;
  /** Called once for each change delivered to the receiver. */
  onChange?: (event: ChangeEvent) => void | Promise<void>;
}

/**
 * What a failing hook (it threw, or did not return within the timeout) means for its entry:
 * `skip` drops the entry (or event) and goes on, `retry` calls the hook again up to three times
 * and then stops, `stop` ends replication with the error, `pass` lets the entry through
 * unchanged (the proxy's policy: a broken hook never hides a key from clients).
 */
export type HookPolicy = "skip" | "retry" | "stop" | "pass";

/** The sandbox and failure handling of a hooks module. */
export interface HookOptions {
  /** Path or URL of the module. */
  module: string;
  /** Hosts (`host` or `host:port`) the hooks may connect to; none by default. */
  allowNet?: string[];
  /** Paths the hooks may read besides their own file; none by default. */
  allowRead?: string[];
  /** Whether the hooks may read environment variables. */
  allowEnv?: boolean;
  /** Default `skip`. */
  onError?: HookPolicy;
  /** How long one call may take, in ms (default 1000). */
  timeoutMs?: number;
  log?: (message: string) => void;
}
