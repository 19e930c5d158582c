import { concatChunks } from "../util/concat_chunks.ts";
import { ByteBuilder } from "./byte_builder.ts";
import { Crc64 } from "./crc64.ts";
import type { EntryParts } from "./rdb_entry.ts";
import { MAX_RDB_VERSION, RdbOpcode } from "./rdb_types.ts";
import type { RdbValue } from "./rdb_value.ts";
import { encodeValue } from "./value_encoder.ts";

export interface RdbWriterOptions {
  /** The RDB version written in the header (default 10, what Redis 7.0 writes). */
  version?: number;
  /** Bytes gathered before the sink is called (default 64 KB). */
  chunkBytes?: number;
  /**
   * Compute the CRC-64 (default true). Without it the file ends with eight zero bytes, which
   * Redis reads as "checksum disabled", as it writes with `rdbchecksum no`.
   */
  checksum?: boolean;
}

const encoder = new TextEncoder();

/**
 * Writes an RDB file record by record to `sink`, in chunks, ending with the EOF opcode and
 * the CRC-64 of everything before it. Entries are written from their raw parts (a filter
 * copies them without decoding) or from decoded values.
 *
 * @example
 * ```ts ignore
 * using file = await Deno.open("out.rdb", { write: true, create: true, truncate: true });
 * const writer = new RdbWriter((chunk) => file.writeSync(chunk));
 * writer.aux("redis-ver", "7.0.15");
 * writer.selectDb(0);
 * const text = (s: string) => new TextEncoder().encode(s);
 * writer.value(text("greeting"), { type: "string", value: text("hello") });
 * writer.end();
 * ```
 */
export class RdbWriter {
  readonly version: number;
  #out = new ByteBuilder(1024);
  #crc: Crc64 | undefined;
  readonly #chunkBytes: number;
  #ended = false;

  constructor(readonly sink: (chunk: Uint8Array) => void, options: RdbWriterOptions = {}) {
    this.version = options.version ?? 10;
    if (!(this.version >= 1 && this.version <= MAX_RDB_VERSION)) {
      throw new RangeError(`RDB version ${this.version} is not between 1 and ${MAX_RDB_VERSION}`);
    }
    this.#chunkBytes = options.chunkBytes ?? 65536;
    this.#crc = options.checksum === false ? undefined : new Crc64();
    this.#out.bytes(encoder.encode(`REDIS${String(this.version).padStart(4, "0")}`));
  }

  #flushIfFull(): void {
    if (this.#out.length >= this.#chunkBytes) this.#flush();
  }

  #flush(): void {
    if (this.#out.length === 0) return;
    const chunk = this.#out.take();
    this.#crc?.update(chunk);
    this.sink(chunk);
  }

  #check(): ByteBuilder {
    if (this.#ended) throw new TypeError("RdbWriter used after end()");
    return this.#out;
  }

  aux(name: string, value: string | Uint8Array): this {
    const bytes = typeof value === "string" ? encoder.encode(value) : value;
    this.#check().u8(RdbOpcode.AUX).rdbString(encoder.encode(name)).rdbString(bytes);
    return this;
  }

  selectDb(db: number): this {
    this.#check().u8(RdbOpcode.SELECTDB).rdbLength(db);
    return this;
  }

  resizeDb(dbSize: number, expiresSize: number): this {
    this.#check().u8(RdbOpcode.RESIZEDB).rdbLength(dbSize).rdbLength(expiresSize);
    return this;
  }

  /** A function library (`FUNCTION LOAD` source), as Redis 7 saves it. */
  functionLibrary(code: Uint8Array): this {
    this.#check().u8(RdbOpcode.FUNCTION2).rdbString(code);
    return this;
  }

  /** A record copied as it is, e.g. the `raw` of a parsed module aux record. */
  raw(record: Uint8Array): this {
    const out = this.#check();
    if (record.length < this.#chunkBytes) {
      out.bytes(record);
      this.#flushIfFull();
      return this;
    }
    // Large pieces (chunks of a streamed value) go straight through, without a copy.
    this.#flush();
    this.#crc?.update(record);
    this.sink(record);
    return this;
  }

  /** A key from its parts: expiry, idle and freq when set, type byte, key, payload. */
  entry(entry: EntryParts): this {
    const out = this.#check();
    if (entry.expiresAt !== undefined) out.u8(RdbOpcode.EXPIRETIME_MS).i64le(entry.expiresAt);
    if (entry.idle !== undefined) out.u8(RdbOpcode.IDLE).rdbLength(entry.idle);
    if (entry.freq !== undefined) out.u8(RdbOpcode.FREQ).u8(entry.freq);
    out.u8(entry.type).rdbString(entry.key).bytes(entry.payload);
    this.#flushIfFull();
    return this;
  }

  /** A key from a decoded value. */
  value(key: Uint8Array, value: RdbValue, options: { expiresAt?: number } = {}): this {
    return this.entry({ key, ...encodeValue(value, this.version), expiresAt: options.expiresAt });
  }

  /** Writes the EOF opcode and checksum and hands the last chunk to the sink. */
  end(): void {
    this.#check().u8(RdbOpcode.EOF);
    this.#flush();
    this.#ended = true;
    if (this.version >= 5) {
      this.sink(this.#crc?.bytes() ?? new Uint8Array(8));
    }
  }
}

/** Writes a whole RDB into memory; convenient for tests and small files. */
export function buildRdb(
  write: (writer: RdbWriter) => void,
  options?: RdbWriterOptions,
): Uint8Array {
  const chunks: Uint8Array[] = [];
  const writer = new RdbWriter((chunk) => chunks.push(chunk), options);
  write(writer);
  writer.end();
  return concatChunks(chunks);
}
