import { ByteReader } from "./byte_reader.ts";
import { encodeDump } from "./dump_payload.ts";
import { type DataType, dataTypeOf } from "./rdb_types.ts";
import type { RdbValue } from "./rdb_value.ts";
import { decodeValue } from "./value_decoder.ts";

/** The parts of an entry a writer needs; {@link RdbEntry} has them and more. */
export interface EntryParts {
  key: Uint8Array;
  /** The value type byte. */
  type: number;
  /** The value's encoded bytes, after the key. */
  payload: Uint8Array;
  /** Absolute Unix time in milliseconds, when the key has a TTL. */
  expiresAt?: number;
  /** LRU idle seconds, when the file records them. */
  idle?: number;
  /** LFU frequency counter, when the file records it. */
  freq?: number;
}

/**
 * One key as it sits in an RDB file. Byte fields are views into the input, never copies; they
 * stay valid after the parser moves on.
 */
export class RdbEntry implements EntryParts {
  constructor(
    /** The database selected when this key was read. */
    readonly db: number,
    readonly key: Uint8Array,
    readonly type: number,
    readonly payload: Uint8Array,
    /** Absolute offset of the payload in the input, so decoding errors point into the file. */
    readonly payloadOffset: number,
    /** The whole record: expiry, idle and freq opcodes, type byte, key and payload. */
    readonly raw: Uint8Array,
    readonly expiresAt?: number,
    readonly idle?: number,
    readonly freq?: number,
  ) {}

  /** The Redis data type, as `TYPE` names it. */
  get dataType(): DataType {
    return dataTypeOf(this.type)!;
  }

  /** The key as UTF-8 text (invalid bytes become U+FFFD). */
  get keyText(): string {
    return keyToText(this.key);
  }

  /** Decodes the value; throws {@link RdbSyntaxError} if the payload is corrupt. */
  decode(): RdbValue {
    return decodeValue(
      this.type,
      new ByteReader(this.payload, 0, this.payload.length, this.payloadOffset),
    );
  }

  /** The payload as `DUMP` returns it: type byte, payload, RDB version, CRC-64. */
  dump(rdbVersion: number): Uint8Array {
    return encodeDump({ type: this.type, payload: this.payload }, rdbVersion);
  }
}

const textDecoder = new TextDecoder();

/** Key bytes as text, with a fast path for the common all-ASCII short key. */
export function keyToText(key: Uint8Array): string {
  if (key.length <= 64) {
    let ascii = true;
    for (let i = 0; i < key.length; i++) {
      if (key[i] >= 0x80) {
        ascii = false;
        break;
      }
    }
    if (ascii) return String.fromCharCode.apply(null, key as unknown as number[]);
  }
  return textDecoder.decode(key);
}
