import { ByteReader, NeedMoreInput } from "./byte_reader.ts";
import { Crc64 } from "./crc64.ts";
import { RdbEntry } from "./rdb_entry.ts";
import { RdbSyntaxError } from "./rdb_syntax_error.ts";
import { dataTypeOf, MAX_RDB_VERSION, RdbOpcode, RdbType } from "./rdb_types.ts";
import { skipModuleValue } from "./module_value.ts";
import { skipValue } from "./value_skipper.ts";

/** One record of an RDB file, in file order. `raw` is the record's bytes as they appear. */
export type RdbRecord =
  | { kind: "header"; version: number; raw: Uint8Array }
  | { kind: "aux"; name: string; value: Uint8Array; raw: Uint8Array }
  | { kind: "selectdb"; db: number; raw: Uint8Array }
  | { kind: "resizedb"; dbSize: number; expiresSize: number; raw: Uint8Array }
  | { kind: "slotinfo"; slot: number; slotSize: number; expiresSize: number; raw: Uint8Array }
  | { kind: "function"; code: Uint8Array; raw: Uint8Array }
  | { kind: "moduleaux"; moduleId: bigint; raw: Uint8Array }
  | { kind: "entry"; entry: RdbEntry; raw: Uint8Array }
  /**
   * A key whose value is one string longer than `largeValueBytes`: `raw` runs up to the end of
   * the value's length header, and the value's bytes follow as `valuechunk` records, never
   * held whole and never decoded (LZF data stays compressed).
   */
  | {
    kind: "largevalue";
    db: number;
    key: Uint8Array;
    type: number;
    expiresAt?: number;
    valueBytes: number;
    raw: Uint8Array;
  }
  | { kind: "valuechunk"; last: boolean; raw: Uint8Array }
  /** The end; `checksum` is undefined before version 5 and 0n when the writer disabled it. */
  | { kind: "eof"; checksum: bigint | undefined; raw: Uint8Array };

export interface RdbParserOptions {
  /** The largest record held in memory at once; a longer one is an error. Default 1 GiB. */
  maxRecordBytes?: number;
  /** Check the CRC-64 at the end (default true). */
  verifyChecksum?: boolean;
  /**
   * Values that are a single string longer than this come as `largevalue` and `valuechunk`
   * records instead of one entry (default 16 MiB).
   */
  largeValueBytes?: number;
}

/** Types whose whole value is one string: a large one can be streamed. */
const SINGLE_STRING_TYPES = new Set<number>([
  RdbType.STRING,
  RdbType.HASH_ZIPMAP,
  RdbType.LIST_ZIPLIST,
  RdbType.SET_INTSET,
  RdbType.ZSET_ZIPLIST,
  RdbType.HASH_ZIPLIST,
  RdbType.HASH_LISTPACK,
  RdbType.ZSET_LISTPACK,
  RdbType.SET_LISTPACK,
  RdbType.HASH_LISTPACK_EX_PRE_GA,
]);

const textDecoder = new TextDecoder();

/**
 * A push parser: feed it chunks as they arrive, pull records as they complete. It holds at
 * most one unfinished record plus the chunks not yet parsed; a record that needs more bytes is
 * parsed again from its start once at least twice as many bytes are buffered, so a long record
 * costs linear time overall.
 *
 * @example
 * ```ts ignore
 * const parser = new RdbParser();
 * for await (const chunk of file.readable) {
 *   parser.push(chunk);
 *   for (let record; (record = parser.next());) handle(record);
 * }
 * parser.end();
 * for (let record; (record = parser.next());) handle(record);
 * ```
 */
export class RdbParser {
  #buffer: Uint8Array = new Uint8Array(0);
  #pos = 0;
  /** Absolute offset of `#buffer[0]`. */
  #base = 0;
  #pending: Uint8Array[] = [];
  #pendingBytes = 0;
  /** Don't retry the unfinished record until this many bytes are available. */
  #retryAt = 0;
  #ended = false;
  #done = false;
  #version = 0;
  #db = 0;
  #crc = new Crc64();
  /** `#buffer` bytes before this index are folded into the CRC; consumed ones after it not yet. */
  #crcFrom = 0;
  /** Bytes of a large value still to be handed out as `valuechunk` records. */
  #valueRemaining = 0;
  readonly #maxRecordBytes: number;
  readonly #verifyChecksum: boolean;
  readonly #largeValueBytes: number;

  constructor(options: RdbParserOptions = {}) {
    this.#maxRecordBytes = options.maxRecordBytes ?? 2 ** 30;
    this.#verifyChecksum = options.verifyChecksum ?? true;
    this.#largeValueBytes = options.largeValueBytes ?? 16 * 2 ** 20;
  }

  /** Bytes held: the unparsed part of the current buffer plus chunks not yet merged. */
  get bufferedBytes(): number {
    return this.#buffer.length - this.#pos + this.#pendingBytes;
  }

  /** The RDB version from the header (0 until the header is parsed). */
  get version(): number {
    return this.#version;
  }

  /** Whether the EOF record has been returned. */
  get done(): boolean {
    return this.#done;
  }

  /** Bytes consumed so far, header included. */
  get offset(): number {
    return this.#base + this.#pos;
  }

  push(chunk: Uint8Array): void {
    if (this.#ended) throw new TypeError("RdbParser.push after end");
    if (chunk.length === 0) return;
    this.#pending.push(chunk);
    this.#pendingBytes += chunk.length;
  }

  /** No more input will come; a record still incomplete is now a truncation error. */
  end(): void {
    this.#ended = true;
  }

  /**
   * The next complete record, or undefined when more input is needed (or the file is done).
   * Throws {@link RdbSyntaxError} on corrupt or truncated input.
   */
  next(): RdbRecord | undefined {
    if (this.#done) return undefined;
    if (this.#valueRemaining > 0) return this.#valueChunk();
    while (true) {
      const available = this.#buffer.length - this.#pos + this.#pendingBytes;
      if (!this.#ended && available < this.#retryAt) return undefined;
      this.#merge();
      const reader = new ByteReader(
        this.#buffer,
        this.#pos,
        this.#buffer.length,
        this.#base,
        this.#ended,
      );
      try {
        const record = this.#version === 0 ? this.#header(reader) : this.#record(reader);
        this.#retryAt = 0;
        this.#pos = reader.pos;
        return record;
      } catch (error) {
        if (!(error instanceof NeedMoreInput)) throw error;
        const unfinished = this.#buffer.length - this.#pos;
        if (unfinished > this.#maxRecordBytes) {
          throw new RdbSyntaxError(
            `record longer than the ${this.#maxRecordBytes}-byte limit`,
            this.#base + this.#pos,
          );
        }
        this.#retryAt = Math.max(unfinished * 2, unfinished + 1);
        if (this.#pendingBytes === 0) return undefined;
      }
    }
  }

  /** The next piece of a large value: whatever is buffered, up to what the value has left. */
  #valueChunk(): RdbRecord | undefined {
    if (this.#pos === this.#buffer.length) {
      if (this.#pending.length === 0) {
        if (!this.#ended) return undefined;
        throw new RdbSyntaxError(
          `unexpected end of input with ${this.#valueRemaining} bytes of a value left`,
          this.#base + this.#pos,
        );
      }
      this.#foldCrc(this.#pos);
      this.#base += this.#pos;
      this.#buffer = this.#pending.shift()!;
      this.#pendingBytes -= this.#buffer.length;
      this.#pos = 0;
      this.#crcFrom = 0;
    }
    const take = Math.min(this.#valueRemaining, this.#buffer.length - this.#pos);
    const raw = this.#buffer.subarray(this.#pos, this.#pos + take);
    this.#pos += take;
    this.#valueRemaining -= take;
    return { kind: "valuechunk", last: this.#valueRemaining === 0, raw };
  }

  /**
   * When the value after the key is one string longer than the large-value threshold, the
   * record that announces it; the reader then stands at the string's first byte.
   */
  #largeValue(
    reader: ByteReader,
    start: number,
    entry: { db: number; key: Uint8Array; type: number; expiresAt?: number },
  ): RdbRecord | undefined {
    if (!SINGLE_STRING_TYPES.has(entry.type)) return undefined;
    const valueStart = reader.pos;
    let valueBytes = reader.lengthOrEncoding("a value length");
    if (reader.encoded) {
      if (valueBytes !== 3) valueBytes = 0;
      else {
        valueBytes = reader.length("a compressed length");
        reader.length("an uncompressed length");
      }
    }
    if (valueBytes <= this.#largeValueBytes) {
      reader.pos = valueStart;
      return undefined;
    }
    this.#valueRemaining = valueBytes;
    return {
      kind: "largevalue",
      ...entry,
      valueBytes,
      raw: reader.bytes.subarray(start, reader.pos),
    };
  }

  /** Joins the unparsed tail with the pending chunks into one buffer. */
  #merge(): void {
    if (this.#pending.length === 0) return;
    this.#foldCrc(this.#pos);
    const tail = this.#buffer.subarray(this.#pos);
    let merged: Uint8Array;
    if (tail.length === 0 && this.#pending.length === 1) {
      merged = this.#pending[0];
    } else {
      merged = new Uint8Array(tail.length + this.#pendingBytes);
      merged.set(tail);
      let at = tail.length;
      for (const chunk of this.#pending) {
        merged.set(chunk, at);
        at += chunk.length;
      }
    }
    this.#base += this.#pos;
    this.#buffer = merged;
    this.#pos = 0;
    this.#crcFrom = 0;
    this.#pending = [];
    this.#pendingBytes = 0;
  }

  #header(reader: ByteReader): RdbRecord {
    const start = reader.pos;
    const magic = reader.take(9, "the RDB header");
    if (textDecoder.decode(magic.subarray(0, 5)) !== "REDIS") {
      reader.fail("not an RDB file: no REDIS magic", start);
    }
    const digits = textDecoder.decode(magic.subarray(5));
    const version = /^\d{4}$/.test(digits) ? Number(digits) : NaN;
    if (!(version >= 1 && version <= MAX_RDB_VERSION)) {
      reader.fail(`unsupported RDB version ${JSON.stringify(digits)}`, start + 5);
    }
    this.#version = version;
    return { kind: "header", version, raw: magic };
  }

  #record(reader: ByteReader): RdbRecord {
    const start = reader.pos;
    const raw = () => reader.bytes.subarray(start, reader.pos);
    let expiresAt: number | undefined;
    let idle: number | undefined;
    let freq: number | undefined;
    while (true) {
      const at = reader.pos;
      const op = reader.u8("an opcode");
      const prefixed = expiresAt !== undefined || idle !== undefined || freq !== undefined;
      switch (op) {
        case RdbOpcode.EXPIRETIME_MS:
          expiresAt = reader.i64le("an expiry time");
          continue;
        case RdbOpcode.EXPIRETIME:
          expiresAt = reader.u32le("an expiry time") * 1000;
          continue;
        case RdbOpcode.IDLE:
          idle = Number(reader.lengthBig("an idle time"));
          continue;
        case RdbOpcode.FREQ:
          freq = reader.u8("an LFU frequency");
          continue;
      }
      if (op >= RdbOpcode.SLOT_INFO && prefixed) {
        reader.fail(`opcode 0x${op.toString(16)} after a key's expiry, idle or freq`, at);
      }
      switch (op) {
        case RdbOpcode.EOF:
          return this.#eof(reader, raw());
        case RdbOpcode.SELECTDB:
          this.#db = reader.length("a database number");
          return { kind: "selectdb", db: this.#db, raw: raw() };
        case RdbOpcode.RESIZEDB: {
          const dbSize = reader.length("a RESIZEDB size");
          const expiresSize = reader.length("a RESIZEDB size");
          return { kind: "resizedb", dbSize, expiresSize, raw: raw() };
        }
        case RdbOpcode.SLOT_INFO: {
          const slot = reader.length("a slot number");
          const slotSize = reader.length("a slot size");
          const expiresSize = reader.length("a slot size");
          return { kind: "slotinfo", slot, slotSize, expiresSize, raw: raw() };
        }
        case RdbOpcode.AUX: {
          const name = textDecoder.decode(reader.string("an AUX field name"));
          return { kind: "aux", name, value: reader.string("an AUX field value"), raw: raw() };
        }
        case RdbOpcode.FUNCTION2:
          return { kind: "function", code: reader.string("a function library"), raw: raw() };
        case RdbOpcode.FUNCTION_PRE_GA:
          return reader.fail("function data in the pre-release format of Redis 7.0 RCs", at);
        case RdbOpcode.MODULE_AUX: {
          const moduleId = reader.lengthBig("a module ID");
          reader.length("a module aux opcode");
          reader.length("a module aux 'when'");
          skipModuleValue(reader);
          return { kind: "moduleaux", moduleId, raw: raw() };
        }
      }
      if (op === RdbType.MODULE_PRE_GA) {
        reader.fail("module value in the pre-release format of Redis 4.0 RCs", at);
      }
      if (dataTypeOf(op) === undefined) reader.fail(`unknown type byte 0x${op.toString(16)}`, at);
      const key = reader.string("a key");
      const large = this.#largeValue(reader, start, { db: this.#db, key, type: op, expiresAt });
      if (large) return large;
      const payloadStart = reader.pos;
      skipValue(op, reader);
      const entry = new RdbEntry(
        this.#db,
        key,
        op,
        reader.bytes.subarray(payloadStart, reader.pos),
        reader.base + payloadStart,
        raw(),
        expiresAt,
        idle,
        freq,
      );
      return { kind: "entry", entry, raw: entry.raw };
    }
  }

  /**
   * Folds the consumed bytes of the current buffer up to `end` into the CRC: once per buffer
   * rather than once per record, which would cost a call per key.
   */
  #foldCrc(end: number): void {
    if (end > this.#crcFrom) this.#crc.update(this.#buffer.subarray(this.#crcFrom, end));
    this.#crcFrom = Math.max(this.#crcFrom, end);
  }

  #eof(reader: ByteReader, opcode: Uint8Array): RdbRecord {
    if (this.#version < 5) {
      this.#foldCrc(reader.pos);
      this.#done = true;
      return { kind: "eof", checksum: undefined, raw: opcode };
    }
    const at = reader.pos;
    const stored = reader.take(8, "the checksum");
    const checksum = new DataView(stored.buffer, stored.byteOffset, 8).getBigUint64(0, true);
    // Read first: a short read retries the record, and nothing may be folded twice.
    this.#foldCrc(at);
    const computed = this.#crc.value;
    if (this.#verifyChecksum && checksum !== 0n && checksum !== computed) {
      reader.fail(
        `checksum 0x${checksum.toString(16)} does not match the content's 0x${
          computed.toString(16)
        }`,
        at,
      );
    }
    this.#done = true;
    return { kind: "eof", checksum, raw: reader.bytes.subarray(at - 1, reader.pos) };
  }
}
