import { dumpLength, writeDump } from "../rdb/mod.ts";

const encoder = new TextEncoder();
const RESTORE_5 = encoder.encode("*5\r\n$7\r\nRESTORE\r\n$");
const RESTORE_6 = encoder.encode("*6\r\n$7\r\nRESTORE\r\n$");
const REPLACE = encoder.encode("\r\n$7\r\nREPLACE\r\n");
const REPLACE_ABSTTL = encoder.encode("\r\n$7\r\nREPLACE\r\n$6\r\nABSTTL\r\n");
const CRLF_DOLLAR = encoder.encode("\r\n$");
const CRLF = encoder.encode("\r\n");

function digitCount(n: number): number {
  let digits = 1;
  while (n >= 10) {
    n = Math.floor(n / 10);
    digits++;
  }
  return digits;
}

/**
 * Many `RESTORE key <ttl> <dump> REPLACE [ABSTTL]` commands written back to back into one
 * buffer, the DUMP payloads and their checksums in place: no allocation and no string per key,
 * which is what a million-key snapshot costs most.
 */
export class RestoreWriter {
  #buffer = new Uint8Array(256 * 1024);
  #length = 0;
  /** Commands written since the last {@link take}. */
  count = 0;

  get bytes(): number {
    return this.#length;
  }

  #reserve(n: number): void {
    if (this.#length + n <= this.#buffer.length) return;
    const grown = new Uint8Array(Math.max(this.#buffer.length * 2, this.#length + n));
    grown.set(this.#buffer.subarray(0, this.#length));
    this.#buffer = grown;
  }

  #put(bytes: Uint8Array): void {
    this.#buffer.set(bytes, this.#length);
    this.#length += bytes.length;
  }

  #number(n: number): void {
    const digits = digitCount(n);
    let at = this.#length + digits;
    this.#length = at;
    do {
      this.#buffer[--at] = 0x30 + (n % 10);
      n = Math.floor(n / 10);
    } while (n > 0);
  }

  add(
    entry: { key: Uint8Array; type: number; payload: Uint8Array; expiresAt?: number },
    rdbVersion: number,
  ): void {
    const ttl = entry.expiresAt ?? 0;
    const dump = dumpLength(entry.payload);
    this.#reserve(entry.key.length + dump + 96);
    const absolute = entry.expiresAt !== undefined;
    this.#put(absolute ? RESTORE_6 : RESTORE_5);
    this.#number(entry.key.length);
    this.#put(CRLF);
    this.#put(entry.key);
    this.#put(CRLF_DOLLAR);
    this.#number(digitCount(ttl));
    this.#put(CRLF);
    this.#number(ttl);
    this.#put(CRLF_DOLLAR);
    this.#number(dump);
    this.#put(CRLF);
    writeDump(this.#buffer, this.#length, entry, rdbVersion);
    this.#length += dump;
    this.#put(absolute ? REPLACE_ABSTTL : REPLACE);
    this.count++;
  }

  /** The commands written so far, as one buffer of their own, and starts over. */
  take(): { frame: Uint8Array; count: number } {
    const out = { frame: this.#buffer.slice(0, this.#length), count: this.count };
    this.#length = 0;
    this.count = 0;
    return out;
  }
}
