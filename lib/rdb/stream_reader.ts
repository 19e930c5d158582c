import type { ByteReader } from "./byte_reader.ts";
import { EncodingError } from "./encoding_error.ts";
import { decodeListpack, type ListpackElement } from "./listpack.ts";
import { RdbType } from "./rdb_types.ts";
import type {
  StreamConsumer,
  StreamEntry,
  StreamGroup,
  StreamId,
  StreamPendingEntry,
  StreamValue,
} from "./rdb_value.ts";

const DELETED = 1;
const SAME_FIELDS = 2;

/** A 16-byte big-endian stream ID as Redis stores radix tree keys and PEL entries. */
export function rawStreamId(bytes: Uint8Array): StreamId {
  const view = new DataView(bytes.buffer, bytes.byteOffset, 16);
  return { ms: view.getBigUint64(0, false), seq: view.getBigUint64(8, false) };
}

/**
 * Reads a stream value (types 15, 19 and 21). With `decodeEntries` false the listpacks are
 * stepped over and `entries` stays empty, which is all a filter needs.
 */
export function readStream(reader: ByteReader, type: number, decodeEntries: boolean): StreamValue {
  const entries: StreamEntry[] = [];
  const nodes = reader.length("the stream node count");
  for (let i = 0; i < nodes; i++) {
    const keyAt = reader.pos;
    const nodeKey = reader.string("a stream node ID");
    if (nodeKey.length !== 16) reader.fail(`stream node ID of ${nodeKey.length} bytes`, keyAt);
    if (!decodeEntries) {
      reader.skipString("a stream listpack");
      continue;
    }
    const blobAt = reader.pos;
    const listpack = reader.string("a stream listpack");
    try {
      readStreamNode(rawStreamId(nodeKey), decodeListpack(listpack), entries);
    } catch (error) {
      if (error instanceof EncodingError) {
        reader.fail(`corrupt stream node: ${error.message}`, blobAt);
      }
      throw error;
    }
  }
  const id = (what: string): StreamId => ({
    ms: reader.lengthBig(what),
    seq: reader.lengthBig(what),
  });
  const stream: StreamValue = {
    entries,
    length: reader.length("the stream length"),
    lastId: id("the stream last ID"),
    groups: [],
  };
  const v2 = type >= RdbType.STREAM_LISTPACKS_2;
  if (v2) {
    stream.firstId = id("the stream first ID");
    stream.maxDeletedId = id("the stream max deleted ID");
    stream.entriesAdded = reader.length("the stream entries-added count");
  }
  const groupCount = reader.length("the stream group count");
  for (let g = 0; g < groupCount; g++) {
    const group: StreamGroup = {
      name: reader.string("a consumer group name"),
      lastId: id("a consumer group last ID"),
      pending: [],
      consumers: [],
    };
    if (v2) {
      // Saved from a signed counter: -1 (unknown) arrives as 2^64 - 1.
      group.entriesRead = Number(BigInt.asIntN(64, reader.lengthBig("a group entries-read count")));
    }
    const pendingCount = reader.length("a group PEL size");
    for (let p = 0; p < pendingCount; p++) {
      const entry: StreamPendingEntry = {
        id: rawStreamId(reader.take(16, "a PEL entry ID")),
        deliveryTime: reader.i64le("a PEL delivery time"),
        deliveryCount: reader.length("a PEL delivery count"),
      };
      group.pending.push(entry);
    }
    const consumerCount = reader.length("a consumer count");
    for (let c = 0; c < consumerCount; c++) {
      const consumer: StreamConsumer = {
        name: reader.string("a consumer name"),
        seenTime: reader.i64le("a consumer seen time"),
        pending: [],
      };
      if (type >= RdbType.STREAM_LISTPACKS_3) {
        consumer.activeTime = reader.i64le("a consumer active time");
      }
      const owned = reader.length("a consumer PEL size");
      for (let p = 0; p < owned; p++) {
        consumer.pending.push(rawStreamId(reader.take(16, "a consumer PEL ID")));
      }
      group.consumers.push(consumer);
    }
    stream.groups.push(group);
  }
  return stream;
}

function integer(element: ListpackElement | undefined, index: number): bigint {
  if (typeof element !== "bigint") {
    throw new EncodingError(`stream node element ${index} should be an integer`, 0);
  }
  return element;
}

function bytes(element: ListpackElement | undefined, index: number): Uint8Array {
  if (element === undefined) throw new EncodingError(`stream node ends at element ${index}`, 0);
  return typeof element === "bigint" ? new TextEncoder().encode(String(element)) : element;
}

/** Appends the live entries of one node (master entry, then delta-encoded entries). */
function readStreamNode(master: StreamId, items: ListpackElement[], out: StreamEntry[]): void {
  let i = 0;
  const next = () => i++;
  const count = Number(integer(items[next()], 0));
  const deleted = Number(integer(items[next()], 1));
  const masterFieldCount = Number(integer(items[next()], 2));
  const masterFields: Uint8Array[] = [];
  for (let f = 0; f < masterFieldCount; f++) masterFields.push(bytes(items[i], next()));
  integer(items[i], next()); // the master entry's terminating zero
  for (let e = 0; e < count + deleted; e++) {
    const flags = Number(integer(items[i], next()));
    const id = {
      ms: master.ms + integer(items[i], next()),
      seq: master.seq + integer(items[i], next()),
    };
    const fields: [Uint8Array, Uint8Array][] = [];
    if (flags & SAME_FIELDS) {
      for (const field of masterFields) fields.push([field, bytes(items[i], next())]);
    } else {
      const fieldCount = Number(integer(items[i], next()));
      for (let f = 0; f < fieldCount; f++) {
        const field = bytes(items[i], next());
        fields.push([field, bytes(items[i], next())]);
      }
    }
    integer(items[i], next()); // lp-count, used only to walk backwards
    if (!(flags & DELETED)) out.push({ id, fields });
  }
  if (i !== items.length) throw new EncodingError("stream node has trailing elements", 0);
}
