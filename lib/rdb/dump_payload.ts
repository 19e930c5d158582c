import { ByteReader } from "./byte_reader.ts";
import { Crc64 } from "./crc64.ts";
import { RdbSyntaxError } from "./rdb_syntax_error.ts";
import { dataTypeOf, MAX_RDB_VERSION } from "./rdb_types.ts";
import { skipValue } from "./value_skipper.ts";

/** A value in `DUMP` form, split into its parts. */
export interface DumpedValue {
  type: number;
  payload: Uint8Array;
  /** The RDB version of the server that made the payload. */
  rdbVersion: number;
}

/**
 * Encodes a `DUMP` payload, the format `RESTORE` takes: the type byte, the value's encoding,
 * the RDB version as two little-endian bytes, and the CRC-64 of all that.
 *
 * @example
 * ```ts
 * import { decodeDump, encodeDump } from "./dump_payload.ts";
 *
 * // A string value "hi": length 2, then the bytes; 10 is the RDB version of Redis 7.0.
 * const dump = encodeDump({ type: 0, payload: new Uint8Array([2, 0x68, 0x69]) }, 10);
 * // `dump` is what `RESTORE key 0 <dump>` accepts.
 * if (decodeDump(dump).rdbVersion !== 10) throw new Error("round trip failed");
 * ```
 */
export function encodeDump(
  value: { type: number; payload: Uint8Array },
  rdbVersion: number,
): Uint8Array {
  const out = new Uint8Array(dumpLength(value.payload));
  writeDump(out, 0, value, rdbVersion);
  return out;
}

/** The length of the DUMP form of `payload`: type byte, payload, version and checksum. */
export function dumpLength(payload: Uint8Array): number {
  return payload.length + 11;
}

/** Writes the DUMP form into `out` at `at` (for encoders that build a whole command at once). */
export function writeDump(
  out: Uint8Array,
  at: number,
  value: { type: number; payload: Uint8Array },
  rdbVersion: number,
): void {
  const { type, payload } = value;
  out[at] = type;
  out.set(payload, at + 1);
  const trailer = at + 1 + payload.length;
  out[trailer] = rdbVersion & 0xff;
  out[trailer + 1] = rdbVersion >> 8;
  new Crc64().update(out.subarray(at, trailer + 2)).writeTo(out, trailer + 2);
}

/**
 * Splits a `DUMP` payload into type, value bytes and version, checking the checksum, the type
 * and that the value's encoding ends exactly where the trailer starts. Offsets in errors are
 * within the payload.
 */
export function decodeDump(dump: Uint8Array): DumpedValue {
  if (dump.length < 11) {
    throw new RdbSyntaxError(`DUMP payload of ${dump.length} bytes is too short`, 0);
  }
  const trailer = dump.length - 10;
  const expected = new Crc64().update(dump.subarray(0, dump.length - 8)).value;
  const stored = new DataView(dump.buffer, dump.byteOffset + dump.length - 8, 8).getBigUint64(
    0,
    true,
  );
  if (stored !== expected) {
    throw new RdbSyntaxError(
      `DUMP checksum 0x${stored.toString(16)} does not match 0x${expected.toString(16)}`,
      dump.length - 8,
    );
  }
  const rdbVersion = dump[trailer] | (dump[trailer + 1] << 8);
  if (rdbVersion > MAX_RDB_VERSION) {
    throw new RdbSyntaxError(`unsupported RDB version ${rdbVersion} in DUMP payload`, trailer);
  }
  const type = dump[0];
  if (dataTypeOf(type) === undefined) {
    throw new RdbSyntaxError(`unknown type byte 0x${type.toString(16)}`, 0);
  }
  const reader = new ByteReader(dump, 1, trailer);
  skipValue(type, reader);
  if (reader.pos !== trailer) {
    throw new RdbSyntaxError(
      `value ends ${trailer - reader.pos} bytes before the trailer`,
      reader.pos,
    );
  }
  return { type, payload: dump.subarray(1, trailer), rdbVersion };
}
