import { forEachRecord, type RdbSource } from "./parse_rdb.ts";
import type { RdbParserOptions } from "./rdb_parser.ts";
import { type DataType, dataTypeOf } from "./rdb_types.ts";

export interface DbSummary {
  keys: number;
  withExpiry: number;
  types: Partial<Record<DataType, number>>;
}

export interface KeySize {
  db: number;
  key: Uint8Array;
  type: DataType;
  /** The value's encoded size in the file. */
  bytes: number;
}

export interface RdbSummary {
  version: number;
  aux: Record<string, string>;
  functions: number;
  moduleAux: number;
  dbs: Map<number, DbSummary>;
  /** The largest values by encoded size, largest first. */
  largest: KeySize[];
  fileBytes: number;
}

/**
 * Reads a whole RDB without decoding values and counts what it holds: keys per database and
 * type, expiries, AUX fields, functions, and the largest keys.
 */
export async function summarizeRdb(
  source: RdbSource,
  options: RdbParserOptions & { largest?: number } = {},
): Promise<RdbSummary> {
  const keep = options.largest ?? 10;
  const summary: RdbSummary = {
    version: 0,
    aux: {},
    functions: 0,
    moduleAux: 0,
    dbs: new Map(),
    largest: [],
    fileBytes: 0,
  };
  let smallestKept = 0;
  await forEachRecord(source, (record) => {
    summary.fileBytes += record.raw.length;
    switch (record.kind) {
      case "header":
        summary.version = record.version;
        break;
      case "aux":
        summary.aux[record.name] = new TextDecoder().decode(record.value);
        break;
      case "function":
        summary.functions++;
        break;
      case "moduleaux":
        summary.moduleAux++;
        break;
      case "entry":
      case "largevalue": {
        const entry = record.kind === "entry" ? record.entry : record;
        const dataType = dataTypeOf(entry.type)!;
        let db = summary.dbs.get(entry.db);
        if (!db) summary.dbs.set(entry.db, db = { keys: 0, withExpiry: 0, types: {} });
        db.keys++;
        if (entry.expiresAt !== undefined) db.withExpiry++;
        db.types[dataType] = (db.types[dataType] ?? 0) + 1;
        const bytes = record.kind === "entry" ? record.entry.payload.length : record.valueBytes;
        if (summary.largest.length < keep || bytes > smallestKept) {
          summary.largest.push({ db: entry.db, key: entry.key, type: dataType, bytes });
          summary.largest.sort((a, b) => b.bytes - a.bytes);
          if (summary.largest.length > keep) summary.largest.pop();
          smallestKept = summary.largest.at(-1)!.bytes;
        }
        break;
      }
    }
  }, options);
  return summary;
}
