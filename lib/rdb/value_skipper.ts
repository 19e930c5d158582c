import type { ByteReader } from "./byte_reader.ts";
import { skipModuleValue } from "./module_value.ts";
import { RdbType } from "./rdb_types.ts";
import { readStream } from "./stream_reader.ts";

/**
 * Steps over the value of type `type` without decoding it: no LZF expansion, no listpack
 * walk, no allocation for string-based types. This is the fast path of filtering.
 */
export function skipValue(type: number, reader: ByteReader): void {
  switch (type) {
    case RdbType.STRING:
    case RdbType.HASH_ZIPMAP:
    case RdbType.LIST_ZIPLIST:
    case RdbType.SET_INTSET:
    case RdbType.ZSET_ZIPLIST:
    case RdbType.HASH_ZIPLIST:
    case RdbType.HASH_LISTPACK:
    case RdbType.ZSET_LISTPACK:
    case RdbType.SET_LISTPACK:
    case RdbType.HASH_LISTPACK_EX_PRE_GA:
      reader.skipString("a value");
      return;
    case RdbType.HASH_LISTPACK_EX:
      reader.skip(8, "a hash min expiry");
      reader.skipString("a hash listpack");
      return;
    case RdbType.LIST:
    case RdbType.SET:
    case RdbType.LIST_QUICKLIST:
      skipStrings(reader, reader.length("an element count"));
      return;
    case RdbType.HASH:
      skipStrings(reader, 2 * reader.length("a hash size"));
      return;
    case RdbType.ZSET:
    case RdbType.ZSET_2: {
      const count = reader.length("a sorted set size");
      for (let i = 0; i < count; i++) {
        reader.skipString("a sorted set member");
        if (type === RdbType.ZSET_2) reader.skip(8, "a score");
        else reader.textDouble();
      }
      return;
    }
    case RdbType.HASH_METADATA:
    case RdbType.HASH_METADATA_PRE_GA: {
      if (type === RdbType.HASH_METADATA) reader.skip(8, "a hash min expiry");
      const count = reader.length("a hash size");
      for (let i = 0; i < count; i++) {
        reader.lengthBig("a hash field TTL");
        reader.skipString("a hash field");
        reader.skipString("a hash value");
      }
      return;
    }
    case RdbType.LIST_QUICKLIST_2: {
      const count = reader.length("a quicklist node count");
      for (let i = 0; i < count; i++) {
        reader.length("a quicklist container type");
        reader.skipString("a quicklist node");
      }
      return;
    }
    case RdbType.STREAM_LISTPACKS:
    case RdbType.STREAM_LISTPACKS_2:
    case RdbType.STREAM_LISTPACKS_3:
      readStream(reader, type, false);
      return;
    case RdbType.MODULE_2:
      reader.lengthBig("a module ID");
      skipModuleValue(reader);
      return;
    default:
      reader.fail(`unknown type byte 0x${type.toString(16)}`);
  }
}

function skipStrings(reader: ByteReader, count: number): void {
  for (let i = 0; i < count; i++) reader.skipString("a value element");
}
