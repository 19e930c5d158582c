import { keyToText, type RdbEntry } from "./rdb_entry.ts";
import type { RdbParserOptions } from "./rdb_parser.ts";
import { forEachRecord, type RdbSource } from "./parse_rdb.ts";
import { RdbWriter } from "./rdb_writer.ts";

export interface FilterOptions extends RdbParserOptions {
  /** Keep keys whose text matches (default: all). */
  include?: RegExp;
  /** Then drop keys whose text matches. */
  exclude?: RegExp;
  /** A further test on the whole entry (database, type, expiry). */
  keep?: (entry: RdbEntry) => boolean;
}

export interface FilterStats {
  version: number;
  keys: number;
  kept: number;
  bytesIn: number;
  bytesOut: number;
}

/**
 * Copies an RDB keeping only the selected keys. Kept entries are copied byte for byte, never
 * decoded, and values over `largeValueBytes` pass through in chunks; AUX fields, functions and module aux data are kept; RESIZEDB and slot hints are
 * dropped because their counts would be wrong; SELECTDB is written before the first kept key
 * of each database. The output has the input's version and a fresh checksum.
 */
export async function filterRdb(
  source: RdbSource,
  sink: (chunk: Uint8Array) => void,
  options: FilterOptions = {},
): Promise<FilterStats> {
  const include = withoutState(options.include);
  const exclude = withoutState(options.exclude);
  const keep = options.keep;
  const stats: FilterStats = { version: 0, keys: 0, kept: 0, bytesIn: 0, bytesOut: 0 };
  const out = (chunk: Uint8Array) => {
    stats.bytesOut += chunk.length;
    sink(chunk);
  };
  let writer: RdbWriter | undefined;
  let writtenDb = -1;
  let copyingValue = false;
  const selected = (key: string, entry?: RdbEntry) =>
    (!include || include.test(key)) && (!exclude || !exclude.test(key)) &&
    (!keep || entry === undefined || keep(entry));
  const selectDb = (db: number) => {
    if (db === writtenDb) return;
    writer!.selectDb(db);
    writtenDb = db;
  };
  await forEachRecord(source, (record) => {
    stats.bytesIn += record.raw.length;
    switch (record.kind) {
      case "header":
        stats.version = record.version;
        writer = new RdbWriter(out, { version: record.version });
        break;
      case "aux":
      case "function":
      case "moduleaux":
        writer!.raw(record.raw);
        break;
      case "entry": {
        stats.keys++;
        const entry = record.entry;
        if (!selected(include || exclude ? entry.keyText : "", entry)) return;
        selectDb(entry.db);
        writer!.raw(entry.raw);
        stats.kept++;
        break;
      }
      case "largevalue":
        stats.keys++;
        // `keep` needs a whole entry; a streamed value is judged by its key alone.
        copyingValue = selected(keyToText(record.key));
        if (!copyingValue) return;
        selectDb(record.db);
        writer!.raw(record.raw);
        stats.kept++;
        break;
      case "valuechunk":
        if (copyingValue) writer!.raw(record.raw);
        break;
      case "eof":
        writer!.end();
        break;
    }
  }, options);
  return stats;
}

/** A copy without the g and y flags, whose lastIndex would make `test` skip matches. */
function withoutState(regex: RegExp | undefined): RegExp | undefined {
  if (!regex || !(regex.global || regex.sticky)) return regex;
  return new RegExp(regex.source, regex.flags.replace(/[gy]/g, ""));
}
