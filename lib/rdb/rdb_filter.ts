import type { RdbEntry } from "./rdb_entry.ts";
import type { KeySelector } from "./key_selector.ts";
import type { RdbRecord } from "./rdb_parser.ts";
import { RdbWriter } from "./rdb_writer.ts";

export interface FilterStats {
  version: number;
  keys: number;
  kept: number;
  bytesIn: number;
  bytesOut: number;
}

/**
 * Turns the records of one RDB into a copy holding only the selected keys, written to `sink`
 * as it goes. Kept entries are copied byte for byte, never decoded, and streamed values pass
 * through chunk by chunk; AUX fields, functions and module aux data are kept; RESIZEDB and slot
 * hints are dropped because their counts would be wrong; SELECTDB is written before the first
 * kept key of each database. The copy has the input's version and a fresh checksum.
 */
export class RdbFilter {
  readonly stats: FilterStats = { version: 0, keys: 0, kept: 0, bytesIn: 0, bytesOut: 0 };
  #writer: RdbWriter | undefined;
  #writtenDb = -1;
  #copyingValue = false;

  constructor(
    readonly selector: KeySelector,
    readonly sink: (chunk: Uint8Array) => void,
    /** A further test on whole entries (a streamed value is judged by its key alone). */
    readonly keep?: (entry: RdbEntry) => boolean,
    /** Write a CRC-64 at the end (default true); as RdbWriterOptions.checksum. */
    readonly checksum = true,
  ) {}

  #selectDb(db: number): RdbWriter {
    const writer = this.#writer!;
    if (db !== this.#writtenDb) writer.selectDb(db);
    this.#writtenDb = db;
    return writer;
  }

  visit(record: RdbRecord): void {
    this.stats.bytesIn += record.raw.length;
    switch (record.kind) {
      case "header":
        this.stats.version = record.version;
        this.#writer = new RdbWriter((chunk) => {
          this.stats.bytesOut += chunk.length;
          this.sink(chunk);
        }, { version: record.version, checksum: this.checksum });
        break;
      case "aux":
      case "function":
      case "moduleaux":
        this.#writer!.raw(record.raw);
        break;
      case "entry": {
        this.stats.keys++;
        const { entry } = record;
        if (!this.selector.matches(entry.key) || (this.keep && !this.keep(entry))) return;
        this.#selectDb(entry.db).raw(entry.raw);
        this.stats.kept++;
        break;
      }
      case "largevalue":
        this.stats.keys++;
        this.#copyingValue = this.selector.matches(record.key);
        if (!this.#copyingValue) return;
        this.#selectDb(record.db).raw(record.raw);
        this.stats.kept++;
        break;
      case "valuechunk":
        if (this.#copyingValue) this.#writer!.raw(record.raw);
        break;
      case "eof":
        this.#writer!.end();
        break;
    }
  }
}
