import type { RdbEntry } from "./rdb_entry.ts";
import { KeySelector } from "./key_selector.ts";
import type { RdbParserOptions } from "./rdb_parser.ts";
import { forEachRecord, type RdbSource } from "./parse_rdb.ts";
import { type FilterStats, RdbFilter } from "./rdb_filter.ts";

export interface FilterOptions extends RdbParserOptions {
  /** Keep keys whose text matches (default: all). */
  include?: RegExp;
  /** Then drop keys whose text matches. */
  exclude?: RegExp;
  /** A further test on the whole entry (database, type, expiry). */
  keep?: (entry: RdbEntry) => boolean;
}

/** Copies an RDB keeping only the selected keys, as {@link RdbFilter} describes. */
export async function filterRdb(
  source: RdbSource,
  sink: (chunk: Uint8Array) => void,
  options: FilterOptions = {},
): Promise<FilterStats> {
  const filter = new RdbFilter(
    new KeySelector(options.include, options.exclude),
    sink,
    options.keep,
  );
  await forEachRecord(source, (record) => filter.visit(record), options);
  return filter.stats;
}
