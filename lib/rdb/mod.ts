/**
 * Reading, filtering and writing Redis RDB snapshots (versions 1 to 12, Redis 2.x to 8.0) and
 * `DUMP`/`RESTORE` payloads.
 *
 * @example Count the keys of each type in a snapshot
 * ```ts
 * import { parseRdb } from "./mod.ts";
 *
 * const counts = new Map<string, number>();
 * using file = await Deno.open("dump.rdb");
 * for await (const record of parseRdb(file.readable)) {
 *   if (record.kind !== "entry") continue;
 *   const type = record.entry.dataType;
 *   counts.set(type, (counts.get(type) ?? 0) + 1);
 * }
 * ```
 *
 * @example Keep only the keys that match a pattern
 * ```ts
 * import { filterRdb } from "./mod.ts";
 *
 * using input = await Deno.open("dump.rdb");
 * using output = await Deno.open("users.rdb", { write: true, create: true, truncate: true });
 * const stats = await filterRdb(input.readable, (chunk) => output.writeSync(chunk), {
 *   include: /^user:/,
 * });
 * console.log(`${stats.kept} of ${stats.keys} keys kept`);
 * ```
 *
 * @module
 */
export { Crc64, crc64 } from "./crc64.ts";
export { lzfCompress, lzfDecompress, LzfError } from "./lzf.ts";
export { RdbSyntaxError } from "./rdb_syntax_error.ts";
export { type DataType, dataTypeOf, MAX_RDB_VERSION, RdbOpcode, RdbType } from "./rdb_types.ts";
export type {
  HashField,
  RdbValue,
  ScoredMember,
  StreamConsumer,
  StreamEntry,
  StreamGroup,
  StreamId,
  StreamPendingEntry,
  StreamValue,
} from "./rdb_value.ts";
export { type EntryParts, keyToText, RdbEntry } from "./rdb_entry.ts";
export { RdbParser, type RdbParserOptions, type RdbRecord } from "./rdb_parser.ts";
export { forEachRecord, parseRdb, type RdbSource } from "./parse_rdb.ts";
export { buildRdb, RdbWriter, type RdbWriterOptions } from "./rdb_writer.ts";
export { encodeValue, UnencodableValueError } from "./value_encoder.ts";
export { decodeDump, type DumpedValue, encodeDump } from "./dump_payload.ts";
export { decodeListpack, encodeListpack, type ListpackElement } from "./listpack.ts";
export { decodeZiplist } from "./ziplist.ts";
export { decodeIntset } from "./intset.ts";
export { type FilterOptions, filterRdb, type FilterStats } from "./filter_rdb.ts";
export { type DbSummary, type KeySize, type RdbSummary, summarizeRdb } from "./rdb_summary.ts";
export { bytesJson, entryJson, valueJson } from "./entry_json.ts";
