import type { DataType } from "./rdb_types.ts";

/** A stream ID, `ms` and `seq` exact to 64 bits. */
export interface StreamId {
  ms: bigint;
  seq: bigint;
}

export interface StreamEntry {
  id: StreamId;
  /** Field and value pairs, in order. */
  fields: [Uint8Array, Uint8Array][];
}

export interface StreamPendingEntry {
  id: StreamId;
  deliveryTime: number;
  deliveryCount: number;
}

export interface StreamConsumer {
  name: Uint8Array;
  seenTime: number;
  /** Written from RDB type 21 (Redis 7.2) on. */
  activeTime?: number;
  pending: StreamId[];
}

export interface StreamGroup {
  name: Uint8Array;
  lastId: StreamId;
  /** Written from RDB type 19 (Redis 7.0) on; -1 when Redis did not know it. */
  entriesRead?: number;
  pending: StreamPendingEntry[];
  consumers: StreamConsumer[];
}

export interface StreamValue {
  entries: StreamEntry[];
  length: number;
  lastId: StreamId;
  firstId?: StreamId;
  maxDeletedId?: StreamId;
  entriesAdded?: number;
  groups: StreamGroup[];
}

export interface HashField {
  field: Uint8Array;
  value: Uint8Array;
  /** Absolute Unix time in milliseconds when this field expires (Redis 7.4 field TTLs). */
  expiresAt?: number;
}

export interface ScoredMember {
  member: Uint8Array;
  score: number;
}

/** A decoded value; strings stay bytes because Redis values are binary. */
export type RdbValue =
  | { type: "string"; value: Uint8Array }
  | { type: "list"; items: Uint8Array[] }
  | { type: "set"; members: Uint8Array[] }
  | { type: "zset"; members: ScoredMember[] }
  | { type: "hash"; fields: HashField[] }
  | { type: "stream"; stream: StreamValue }
  | { type: "module"; moduleId: bigint; moduleName: string };

/** Compile-time check that every data type has a value shape. */
export type ValueOfType<T extends DataType> = Extract<RdbValue, { type: T }>;
