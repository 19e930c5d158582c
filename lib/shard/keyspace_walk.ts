import {
  decodeReply,
  encodeInteger,
  integerValue,
  isErrorFrame,
  scanReplyParts,
} from "../resp/mod.ts";
import type { MigrationSource, Target } from "../route/mod.ts";

const SCAN_BATCH = "1000";

/**
 * Walks every key of `node` in `db` with SCAN and counts those that `counts` says count (it
 * may ask other nodes). Resolves with the count as an integer frame, or with the first error
 * frame a server gave.
 */
export async function countKeys(
  node: MigrationSource,
  db: number,
  counts: (keys: Uint8Array[]) => Promise<number | Uint8Array>,
): Promise<number | Uint8Array> {
  let count = 0;
  let cursor = "0";
  do {
    const page = await node.call(db, ["SCAN", cursor, "COUNT", SCAN_BATCH]);
    if (isErrorFrame(page)) return page;
    const parts = scanReplyParts(decodeReply(page));
    if (parts === undefined) return page;
    cursor = parts.cursor;
    const counted = await counts(parts.items);
    if (counted instanceof Uint8Array) return counted;
    count += counted;
  } while (cursor !== "0");
  return count;
}

/**
 * How many of `keys` each of the given nodes lacks (EXISTS 0); an error frame if one failed.
 * A key with no node to ask is not counted.
 */
export async function countAbsent(
  db: number,
  keys: readonly Uint8Array[],
  nodeOf: (key: Uint8Array, index: number) => Target | undefined,
): Promise<number | Uint8Array> {
  const present = await Promise.all(
    keys.flatMap((key, k) => nodeOf(key, k)?.call(db, ["EXISTS", key]) ?? []),
  );
  const refused = present.find(isErrorFrame);
  if (refused) return refused;
  return present.filter((reply) => integerValue(reply) === 0).length;
}

/** A count, or the error frame that stopped it, as a reply. */
export function countReply(count: number | Uint8Array): Uint8Array {
  return count instanceof Uint8Array ? count : encodeInteger(count);
}
