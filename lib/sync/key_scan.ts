import { scanReplyParts } from "../resp/mod.ts";
import type { RedisLink } from "./redis_link.ts";

export interface ScanOptions {
  /** SCAN MATCH glob. */
  match?: string;
  /** SCAN TYPE, when exactly one type is wanted. */
  type?: string;
  count?: number;
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
    const reply = await client.call(...args);
    const parts = scanReplyParts(reply);
    if (!parts) {
      const problem = reply.type === "error" ? reply.message : `a ${reply.type} reply`;
      throw new Error(`${client.name}: SCAN failed: ${problem}`);
    }
    cursor = parts.cursor;
    if (parts.items.length) yield parts.items;
  } while (cursor !== "0");
}

/**
 * The elements of one key in batches of a SCAN-family command (HSCAN, SSCAN, ZSCAN): flat,
 * field and value (or member and score) alternating.
 */
export async function* scanMembers(
  client: RedisLink,
  command: "HSCAN" | "SSCAN" | "ZSCAN",
  key: Uint8Array,
  count = 1000,
): AsyncGenerator<Uint8Array[]> {
  let cursor = "0";
  do {
    const parts = scanReplyParts(await client.call(command, key, cursor, "COUNT", String(count)));
    if (!parts) return;
    cursor = parts.cursor;
    yield parts.items;
  } while (cursor !== "0");
}
