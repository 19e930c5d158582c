import type { Reply } from "../resp/mod.ts";
import type { RedisLink } from "./redis_link.ts";

export interface ScanOptions {
  /** SCAN MATCH glob. */
  match?: string;
  /** SCAN TYPE, when exactly one type is wanted. */
  type?: string;
  count?: number;
}

/** The cursor of a SCAN reply and its keys. */
function scanReply(reply: Reply, server: string): { cursor: string; keys: Uint8Array[] } {
  if (reply.type === "error") throw new Error(`${server}: SCAN failed: ${reply.message}`);
  if (reply.type !== "array" || reply.value.length !== 2) {
    throw new Error(`${server}: SCAN returned an unexpected reply`);
  }
  const [cursor, keys] = reply.value;
  const text = cursor.type === "bulk" ? new TextDecoder().decode(cursor.value) : "0";
  const list = keys.type === "array"
    ? keys.value.flatMap((k) => (k.type === "bulk" ? [k.value] : []))
    : [];
  return { cursor: text, keys: list };
}

/**
 * The keys of the client's database in SCAN batches. SCAN visits every key that exists for
 * the whole scan at least once; keys may repeat, which every user here tolerates.
 */
export async function* scanKeys(
  client: RedisLink,
  options: ScanOptions = {},
): AsyncGenerator<Uint8Array[]> {
  let cursor = "0";
  do {
    const args: (string | Uint8Array)[] = ["SCAN", cursor, "COUNT", String(options.count ?? 1000)];
    if (options.match) args.push("MATCH", options.match);
    if (options.type) args.push("TYPE", options.type);
    const reply = scanReply(await client.call(...args), client.name);
    cursor = reply.cursor;
    if (reply.keys.length) yield reply.keys;
  } while (cursor !== "0");
}
