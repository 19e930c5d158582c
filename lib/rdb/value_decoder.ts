import type { ByteReader } from "./byte_reader.ts";
import { EncodingError } from "./encoding_error.ts";
import { decodeIntset } from "./intset.ts";
import { decodeListpack, type ListpackElement } from "./listpack.ts";
import { RdbType } from "./rdb_types.ts";
import type { HashField, RdbValue, ScoredMember } from "./rdb_value.ts";
import { readStream } from "./stream_reader.ts";
import { decodeZiplist } from "./ziplist.ts";
import { decodeZipmap } from "./zipmap.ts";
import { moduleName, skipModuleValue } from "./module_value.ts";

const encoder = new TextEncoder();
// Not String.fromCharCode(...bytes): spreading a long element overflows the call stack.
const latin1 = new TextDecoder("latin1");

function text(element: ListpackElement): Uint8Array {
  return typeof element === "bigint" ? encoder.encode(String(element)) : element;
}

const INFINITIES: Record<string, number> = { "inf": Infinity, "+inf": Infinity, "-inf": -Infinity };

/** A number stored as a listpack element; Redis writes infinite scores as `inf`/`-inf`. */
function number(element: ListpackElement | Uint8Array, what: string): number {
  if (typeof element === "bigint") return Number(element);
  const text = latin1.decode(element);
  const value = INFINITIES[text.toLowerCase()] ?? Number(text);
  if (Number.isNaN(value)) {
    const shown = text.length > 40 ? `${text.slice(0, 40)}...` : text;
    throw new EncodingError(`${what} ${JSON.stringify(shown)} is not a number`, 0);
  }
  return value;
}

/** Reads a blob string and decodes it with `decode`, reporting corruption at the blob. */
function blob<T>(reader: ByteReader, what: string, decode: (bytes: Uint8Array) => T): T {
  const at = reader.pos;
  const bytes = reader.string(what);
  try {
    return decode(bytes);
  } catch (error) {
    if (error instanceof EncodingError) reader.fail(`corrupt ${what}: ${error.message}`, at);
    throw error;
  }
}

function pairs<T>(items: Uint8Array[], make: (a: Uint8Array, b: Uint8Array) => T): T[] {
  if (items.length % 2) throw new EncodingError(`odd element count ${items.length}`, 0);
  const out: T[] = [];
  for (let i = 0; i < items.length; i += 2) out.push(make(items[i], items[i + 1]));
  return out;
}

function hashListpackEx(items: ListpackElement[]): HashField[] {
  if (items.length % 3) throw new EncodingError(`element count ${items.length} is not triples`, 0);
  const fields: HashField[] = [];
  for (let i = 0; i < items.length; i += 3) {
    const field: HashField = { field: text(items[i]), value: text(items[i + 1]) };
    const ttl = number(items[i + 2], "field TTL");
    if (ttl !== 0) field.expiresAt = ttl;
    fields.push(field);
  }
  return fields;
}

function repeat<T>(reader: ByteReader, what: string, read: () => T): T[] {
  const count = reader.length(what);
  const out: T[] = [];
  for (let i = 0; i < count; i++) out.push(read());
  return out;
}

/** Decodes the value of type `type` at the reader's position. */
export function decodeValue(type: number, reader: ByteReader): RdbValue {
  const str = () => reader.string("a value element");
  switch (type) {
    case RdbType.STRING:
      return { type: "string", value: reader.string("a string value") };
    case RdbType.LIST:
      return { type: "list", items: repeat(reader, "a list length", str) };
    case RdbType.SET:
      return { type: "set", members: repeat(reader, "a set size", str) };
    case RdbType.ZSET:
    case RdbType.ZSET_2: {
      const members = repeat(reader, "a sorted set size", (): ScoredMember => ({
        member: str(),
        score: type === RdbType.ZSET ? reader.textDouble() : reader.binaryDouble(),
      }));
      return { type: "zset", members };
    }
    case RdbType.HASH:
      return {
        type: "hash",
        fields: repeat(reader, "a hash size", (): HashField => ({ field: str(), value: str() })),
      };
    case RdbType.HASH_METADATA:
    case RdbType.HASH_METADATA_PRE_GA: {
      const minExpire = type === RdbType.HASH_METADATA ? reader.i64le("a hash min expiry") : 0;
      const fields = repeat(reader, "a hash size", (): HashField => {
        const ttl = reader.length("a hash field TTL");
        const field: HashField = { field: str(), value: str() };
        if (ttl !== 0) field.expiresAt = type === RdbType.HASH_METADATA ? ttl + minExpire - 1 : ttl;
        return field;
      });
      return { type: "hash", fields };
    }
    case RdbType.HASH_ZIPMAP:
      return {
        type: "hash",
        fields: blob(
          reader,
          "zipmap",
          (b) => pairs(decodeZipmap(b), (field, value) => ({ field, value })),
        ),
      };
    case RdbType.LIST_ZIPLIST:
      return { type: "list", items: blob(reader, "ziplist", decodeZiplist) };
    case RdbType.SET_INTSET:
      return {
        type: "set",
        members: blob(
          reader,
          "intset",
          (b) => decodeIntset(b).map((n) => encoder.encode(String(n))),
        ),
      };
    case RdbType.SET_LISTPACK:
      return { type: "set", members: blob(reader, "listpack", (b) => decodeListpack(b).map(text)) };
    case RdbType.ZSET_ZIPLIST:
    case RdbType.ZSET_LISTPACK: {
      const decode = type === RdbType.ZSET_ZIPLIST ? decodeZiplist : decodeListpack;
      const members = blob(
        reader,
        "sorted set blob",
        (b) =>
          pairs(
            decode(b).map(text),
            (member, score) => ({ member, score: number(score, "score") }),
          ),
      );
      return { type: "zset", members };
    }
    case RdbType.HASH_ZIPLIST:
    case RdbType.HASH_LISTPACK: {
      const decode = type === RdbType.HASH_ZIPLIST ? decodeZiplist : decodeListpack;
      return {
        type: "hash",
        fields: blob(
          reader,
          "hash blob",
          (b) => pairs(decode(b).map(text), (field, value) => ({ field, value })),
        ),
      };
    }
    case RdbType.HASH_LISTPACK_EX:
    case RdbType.HASH_LISTPACK_EX_PRE_GA: {
      if (type === RdbType.HASH_LISTPACK_EX) reader.i64le("a hash min expiry");
      return {
        type: "hash",
        fields: blob(reader, "hash listpack", (b) => hashListpackEx(decodeListpack(b))),
      };
    }
    case RdbType.LIST_QUICKLIST:
      return {
        type: "list",
        items: repeat(
          reader,
          "a quicklist node count",
          () => blob(reader, "ziplist", decodeZiplist),
        )
          .flat(),
      };
    case RdbType.LIST_QUICKLIST_2: {
      const nodes = repeat(reader, "a quicklist node count", () => {
        const container = reader.length("a quicklist container type");
        if (container === 1) return [reader.string("a plain list node")];
        if (container !== 2) {
          reader.fail(`unknown quicklist container ${container}`, reader.pos - 1);
        }
        return blob(reader, "listpack", (b) => decodeListpack(b).map(text));
      });
      return { type: "list", items: nodes.flat() };
    }
    case RdbType.STREAM_LISTPACKS:
    case RdbType.STREAM_LISTPACKS_2:
    case RdbType.STREAM_LISTPACKS_3:
      return { type: "stream", stream: readStream(reader, type, true) };
    case RdbType.MODULE_2: {
      const moduleId = reader.lengthBig("a module ID");
      skipModuleValue(reader);
      return { type: "module", moduleId, moduleName: moduleName(moduleId) };
    }
    default:
      return reader.fail(`unknown type byte 0x${type.toString(16)}`);
  }
}
