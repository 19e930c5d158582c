/**
 * Reading, filtering and writing Redis RDB snapshots (versions 1 to 12, Redis 2.x to 8.0) and
 * `DUMP`/`RESTORE` payloads. The parser streams: it holds one record at a time, decodes a
 * value only when asked, and hands values over `largeValueBytes` out in chunks.
 *
 * @example Write a snapshot in memory and read it back
 * ```ts
 * import { buildRdb, parseRdb } from "./mod.ts";
 *
 * const text = (s: string) => new TextEncoder().encode(s);
 * const rdb = buildRdb((writer) => {
 *   writer.aux("redis-ver", "7.0.15").selectDb(0);
 *   writer.value(text("greeting"), { type: "string", value: text("hello") });
 *   writer.value(text("langs"), { type: "set", members: [text("ts"), text("go")] });
 * });
 * const keys: string[] = [];
 * for await (const record of parseRdb(rdb)) {
 *   if (record.kind === "entry") keys.push(`${record.entry.keyText}:${record.entry.dataType}`);
 * }
 * if (keys.join() !== "greeting:string,langs:set") throw new Error(keys.join());
 * ```
 *
 * @example Keep only the keys that match a pattern, copying entries without decoding them
 * ```ts ignore
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
export { decodeDump, type DumpedValue, dumpLength, encodeDump, writeDump } from "./dump_payload.ts";
export { decodeListpack, encodeListpack, type ListpackElement } from "./listpack.ts";
export { decodeZiplist } from "./ziplist.ts";
export { decodeIntset } from "./intset.ts";
export { type FilterOptions, filterRdb } from "./filter_rdb.ts";
export { type FilterStats, RdbFilter } from "./rdb_filter.ts";
export { KeySelector } from "./key_selector.ts";
export { type DbSummary, type KeySize, type RdbSummary, summarizeRdb } from "./rdb_summary.ts";
export { bytesJson, entryJson, valueJson } from "./entry_json.ts";
