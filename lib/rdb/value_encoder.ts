import { ByteBuilder } from "./byte_builder.ts";
import { encodeListpack, type ListpackElement } from "./listpack.ts";
import { RdbType } from "./rdb_types.ts";
import type { RdbValue, StreamEntry, StreamId, StreamValue } from "./rdb_value.ts";

/** A value the target RDB version cannot express, or one that only exists as raw bytes. */
export class UnencodableValueError extends TypeError {
  override name = "UnencodableValueError";
}

/** Stream entries per node, as Redis's default `stream-node-max-entries`. */
const STREAM_NODE_ENTRIES = 100;

/**
 * Encodes a value in the plain RDB types every Redis since 2.x loads (string, list, set,
 * hash, sorted set with binary scores) or, for streams and hashes with field TTLs, the types
 * of the given RDB version. Returns the type byte and the payload that follows the key.
 */
export function encodeValue(
  value: RdbValue,
  rdbVersion: number,
): { type: number; payload: Uint8Array } {
  const out = new ByteBuilder();
  const strings = (items: Uint8Array[]) => {
    out.rdbLength(items.length);
    for (const item of items) out.rdbString(item);
  };
  switch (value.type) {
    case "string":
      out.rdbString(value.value);
      return { type: RdbType.STRING, payload: out.take() };
    case "list":
      strings(value.items);
      return { type: RdbType.LIST, payload: out.take() };
    case "set":
      strings(value.members);
      return { type: RdbType.SET, payload: out.take() };
    case "zset":
      if (rdbVersion < 8) {
        throw new UnencodableValueError("sorted sets need RDB version 8 or later");
      }
      out.rdbLength(value.members.length);
      for (const { member, score } of value.members) out.rdbString(member).binaryDouble(score);
      return { type: RdbType.ZSET_2, payload: out.take() };
    case "hash": {
      const withTtl = value.fields.filter((f) => f.expiresAt !== undefined);
      if (withTtl.length === 0) {
        out.rdbLength(value.fields.length);
        for (const { field, value: v } of value.fields) out.rdbString(field).rdbString(v);
        return { type: RdbType.HASH, payload: out.take() };
      }
      if (rdbVersion < 12) {
        throw new UnencodableValueError("hash field TTLs need RDB version 12 (Redis 7.4)");
      }
      const minExpire = Math.min(...withTtl.map((f) => f.expiresAt!));
      out.i64le(minExpire).rdbLength(value.fields.length);
      for (const { field, value: v, expiresAt } of value.fields) {
        out.rdbLength(expiresAt === undefined ? 0 : expiresAt - minExpire + 1);
        out.rdbString(field).rdbString(v);
      }
      return { type: RdbType.HASH_METADATA, payload: out.take() };
    }
    case "stream":
      return encodeStream(value.stream, rdbVersion, out);
    case "module":
      throw new UnencodableValueError(
        `module value ${value.moduleName} can only be copied from its raw bytes`,
      );
  }
}

function streamId(out: ByteBuilder, id: StreamId): void {
  out.rdbLength(id.ms).rdbLength(id.seq);
}

function rawStreamId(out: ByteBuilder, id: StreamId): void {
  out.u64be(id.ms).u64be(id.seq);
}

function sameFields(a: [Uint8Array, Uint8Array][], b: Uint8Array[]): boolean {
  if (a.length !== b.length) return false;
  return a.every(([field], i) =>
    field.length === b[i].length && field.every((x, j) => x === b[i][j])
  );
}

/** One radix tree node: a master entry with the first entry's fields, then delta-coded entries. */
function streamNode(entries: StreamEntry[]): Uint8Array {
  const master = entries[0].id;
  const masterFields = entries[0].fields.map(([field]) => field);
  const items: ListpackElement[] = [BigInt(entries.length), 0n, BigInt(masterFields.length)];
  items.push(...masterFields, 0n);
  for (const { id, fields } of entries) {
    const same = sameFields(fields, masterFields);
    items.push(same ? 2n : 0n, id.ms - master.ms, id.seq - master.seq);
    if (same) {
      items.push(...fields.map(([, value]) => value));
      items.push(BigInt(fields.length + 3));
    } else {
      items.push(BigInt(fields.length), ...fields.flat());
      items.push(BigInt(2 * fields.length + 4));
    }
  }
  return encodeListpack(items);
}

function encodeStream(
  stream: StreamValue,
  rdbVersion: number,
  out: ByteBuilder,
): { type: number; payload: Uint8Array } {
  if (rdbVersion < 9) throw new UnencodableValueError("streams need RDB version 9 or later");
  const type = rdbVersion >= 11
    ? RdbType.STREAM_LISTPACKS_3
    : rdbVersion >= 10
    ? RdbType.STREAM_LISTPACKS_2
    : RdbType.STREAM_LISTPACKS;
  const nodes: StreamEntry[][] = [];
  for (let i = 0; i < stream.entries.length; i += STREAM_NODE_ENTRIES) {
    nodes.push(stream.entries.slice(i, i + STREAM_NODE_ENTRIES));
  }
  out.rdbLength(nodes.length);
  for (const node of nodes) {
    const key = new ByteBuilder(16);
    rawStreamId(key, node[0].id);
    out.rdbString(key.take(), false).rdbString(streamNode(node), false);
  }
  out.rdbLength(stream.length);
  streamId(out, stream.lastId);
  if (type >= RdbType.STREAM_LISTPACKS_2) {
    streamId(out, stream.firstId ?? stream.entries[0]?.id ?? { ms: 0n, seq: 0n });
    streamId(out, stream.maxDeletedId ?? { ms: 0n, seq: 0n });
    out.rdbLength(stream.entriesAdded ?? stream.length);
  }
  out.rdbLength(stream.groups.length);
  for (const group of stream.groups) {
    out.rdbString(group.name);
    streamId(out, group.lastId);
    if (type >= RdbType.STREAM_LISTPACKS_2) {
      out.rdbLength(BigInt.asUintN(64, BigInt(group.entriesRead ?? -1)));
    }
    out.rdbLength(group.pending.length);
    for (const pending of group.pending) {
      rawStreamId(out, pending.id);
      out.i64le(pending.deliveryTime).rdbLength(pending.deliveryCount);
    }
    out.rdbLength(group.consumers.length);
    for (const consumer of group.consumers) {
      out.rdbString(consumer.name).i64le(consumer.seenTime);
      if (type >= RdbType.STREAM_LISTPACKS_3) out.i64le(consumer.activeTime ?? consumer.seenTime);
      out.rdbLength(consumer.pending.length);
      for (const id of consumer.pending) rawStreamId(out, id);
    }
  }
  return { type, payload: out.take() };
}
