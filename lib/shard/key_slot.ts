import { hashTag } from "./hash_key.ts";

/** The number of slots of a Redis Cluster. */
export const SLOTS = 16384;

/** CRC16-CCITT (XMODEM), the checksum Redis Cluster maps keys to slots with. */
const TABLE = (() => {
  const table = new Uint16Array(256);
  for (let n = 0; n < 256; n++) {
    let crc = n << 8;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? (crc << 1) ^ 0x1021 : crc << 1;
    table[n] = crc & 0xffff;
  }
  return table;
})();

export function crc16(bytes: Uint8Array): number {
  let crc = 0;
  for (const byte of bytes) crc = ((crc << 8) & 0xffff) ^ TABLE[((crc >> 8) ^ byte) & 0xff];
  return crc;
}

/** The cluster slot of a key: CRC16 of its hash tag (see {@linkcode hashTag}) modulo 16384. */
export function keySlot(key: Uint8Array): number {
  return crc16(hashTag(key)) & (SLOTS - 1);
}
