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
 * through chunk by chunk; AUX fields, functions and module aux data are kept; SELECTDB is
 * written before the first kept key of each database. A RESIZEDB hint (the table sizes Redis
 * allocates before loading, which makes loading much faster) is scaled by the share of keys kept
 * among the first {@link RESIZE_SAMPLE} keys of its database, which are held back until then;
 * slot hints are dropped. The copy has the input's version and a fresh checksum.
 */
/** Keys of a database looked at before its RESIZEDB hint is scaled and written. */
export const RESIZE_SAMPLE = 1000;

/** A database's RESIZEDB hint waiting for the sample that scales it. */
interface PendingHint {
  dbSize: number;
  expiresSize: number;
  seen: number;
  seenWithExpiry: number;
  keptWithExpiry: number;
  held: RdbEntry[];
}

export class RdbFilter {
  readonly stats: FilterStats = { version: 0, keys: 0, kept: 0, bytesIn: 0, bytesOut: 0 };
  #writer: RdbWriter | undefined;
  #writtenDb = -1;
  #copyingValue = false;
  #hint: PendingHint | undefined;

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

  /** Writes the scaled hint and the keys held for the sample. */
  #releaseHint(): void {
    const hint = this.#hint;
    if (!hint) return;
    this.#hint = undefined;
    if (hint.held.length === 0) return;
    const scale = (size: number, kept: number, seen: number) =>
      seen === 0 ? 0 : Math.min(size, Math.ceil((size * kept * 1.1) / seen));
    const writer = this.#selectDb(hint.held[0].db);
    writer.resizeDb(
      scale(hint.dbSize, hint.held.length, hint.seen),
      scale(hint.expiresSize, hint.keptWithExpiry, hint.seenWithExpiry),
    );
    for (const entry of hint.held) writer.raw(entry.raw);
  }

  #keepEntry(entry: RdbEntry): void {
    const hint = this.#hint;
    if (!hint) {
      this.#selectDb(entry.db).raw(entry.raw);
      return;
    }
    hint.held.push(entry);
    if (entry.expiresAt !== undefined) hint.keptWithExpiry++;
  }

  visit(record: RdbRecord): void {
    this.stats.bytesIn += record.raw.length;
    if (record.kind !== "entry" && record.kind !== "resizedb") this.#releaseHint();
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
      case "resizedb":
        this.#releaseHint();
        this.#hint = {
          dbSize: record.dbSize,
          expiresSize: record.expiresSize,
          seen: 0,
          seenWithExpiry: 0,
          keptWithExpiry: 0,
          held: [],
        };
        break;
      case "entry": {
        this.stats.keys++;
        const { entry } = record;
        const hint = this.#hint;
        if (hint) {
          hint.seen++;
          if (entry.expiresAt !== undefined) hint.seenWithExpiry++;
        }
        if (this.selector.matches(entry.key) && (!this.keep || this.keep(entry))) {
          this.#keepEntry(entry);
          this.stats.kept++;
        }
        if (hint && hint.seen >= RESIZE_SAMPLE) this.#releaseHint();
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
