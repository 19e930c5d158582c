import { dumpLength, writeDump } from "../rdb/mod.ts";

/** Copies ASCII text into `out` at `at`; returns the position after it. */
function ascii(out: Uint8Array, at: number, text: string): number {
  for (let i = 0; i < text.length; i++) out[at + i] = text.charCodeAt(i);
  return at + text.length;
}

/**
 * `RESTORE key <ttl> <dump> REPLACE [ABSTTL]` for an RDB entry, encoded into one buffer with
 * the DUMP payload (and its checksum) written in place: one allocation per key, and no
 * TextEncoder calls, which is what a million-key snapshot costs most.
 */
export function encodeRestore(
  entry: { key: Uint8Array; type: number; payload: Uint8Array; expiresAt?: number },
  rdbVersion: number,
): Uint8Array {
  const ttl = entry.expiresAt === undefined ? "0" : String(entry.expiresAt);
  const absolute = entry.expiresAt !== undefined;
  const dump = dumpLength(entry.payload);
  const head = `*${absolute ? 6 : 5}\r\n$7\r\nRESTORE\r\n$${entry.key.length}\r\n`;
  const middle = `\r\n$${ttl.length}\r\n${ttl}\r\n$${dump}\r\n`;
  const tail = absolute ? "\r\n$7\r\nREPLACE\r\n$6\r\nABSTTL\r\n" : "\r\n$7\r\nREPLACE\r\n";
  const out = new Uint8Array(head.length + entry.key.length + middle.length + dump + tail.length);
  let at = ascii(out, 0, head);
  out.set(entry.key, at);
  at = ascii(out, at + entry.key.length, middle);
  writeDump(out, at, entry, rdbVersion);
  ascii(out, at + dump, tail);
  return out;
}
