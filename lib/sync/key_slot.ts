export { crc16, keySlot } from "../shard/mod.ts";
