/** RDB value type bytes and opcodes, as numbered in Redis's rdb.h. */
export const RdbType = {
  STRING: 0,
  LIST: 1,
  SET: 2,
  ZSET: 3,
  HASH: 4,
  ZSET_2: 5,
  MODULE_PRE_GA: 6,
  MODULE_2: 7,
  HASH_ZIPMAP: 9,
  LIST_ZIPLIST: 10,
  SET_INTSET: 11,
  ZSET_ZIPLIST: 12,
  HASH_ZIPLIST: 13,
  LIST_QUICKLIST: 14,
  STREAM_LISTPACKS: 15,
  HASH_LISTPACK: 16,
  ZSET_LISTPACK: 17,
  LIST_QUICKLIST_2: 18,
  STREAM_LISTPACKS_2: 19,
  SET_LISTPACK: 20,
  STREAM_LISTPACKS_3: 21,
  HASH_METADATA_PRE_GA: 22,
  HASH_LISTPACK_EX_PRE_GA: 23,
  HASH_METADATA: 24,
  HASH_LISTPACK_EX: 25,
} as const;

export const RdbOpcode = {
  SLOT_INFO: 244,
  FUNCTION2: 245,
  FUNCTION_PRE_GA: 246,
  MODULE_AUX: 247,
  IDLE: 248,
  FREQ: 249,
  AUX: 250,
  RESIZEDB: 251,
  EXPIRETIME_MS: 252,
  EXPIRETIME: 253,
  SELECTDB: 254,
  EOF: 255,
} as const;

/** The newest RDB version this library reads (Redis 7.4 and 8.0 write 12). */
export const MAX_RDB_VERSION = 12;

/** The Redis data type a value type byte holds, as `TYPE` names it. */
export type DataType = "string" | "list" | "set" | "zset" | "hash" | "stream" | "module";

const DATA_TYPES: (DataType | undefined)[] = [];
const assign = (type: DataType, bytes: number[]) => bytes.forEach((b) => (DATA_TYPES[b] = type));
assign("string", [0]);
assign("list", [1, 10, 14, 18]);
assign("set", [2, 11, 20]);
assign("zset", [3, 5, 12, 17]);
assign("hash", [4, 9, 13, 16, 22, 23, 24, 25]);
assign("stream", [15, 19, 21]);
assign("module", [6, 7]);

/** The data type of a value type byte, or undefined when the byte is not a value type. */
export function dataTypeOf(typeByte: number): DataType | undefined {
  return DATA_TYPES[typeByte];
}

/** The oldest RDB version that can hold each value type byte (for choosing a writer version). */
export function minVersionFor(typeByte: number): number {
  if (typeByte >= RdbType.HASH_METADATA_PRE_GA) return 12;
  if (typeByte >= RdbType.SET_LISTPACK) return 11;
  if (typeByte >= RdbType.HASH_LISTPACK) return 10;
  if (typeByte >= RdbType.STREAM_LISTPACKS) return 9;
  if (typeByte >= RdbType.LIST_QUICKLIST) return 7;
  if (typeByte === RdbType.MODULE_2) return 9;
  if (typeByte === RdbType.ZSET_2) return 8;
  return 1;
}
