import { encodeCommand } from "../resp/mod.ts";
import type { SyncClient } from "./sync_client.ts";

/** The key, in database 0 of the target, where a replication feed records its position. */
export const CHECKPOINT_KEY = "__remiro:replicate:checkpoint";

/** Keys Remiro keeps for itself; replicate does not copy them and verify does not compare them. */
export const OWN_KEY_PREFIX = "__remiro:";

/** Whether `key` is one of Remiro's own (the feed's checkpoint). */
export function isOwnKey(key: Uint8Array): boolean {
  if (key.length < OWN_KEY_PREFIX.length) return false;
  for (let i = 0; i < OWN_KEY_PREFIX.length; i++) {
    if (key[i] !== OWN_KEY_PREFIX.charCodeAt(i)) return false;
  }
  return true;
}

/** Where the source's stream stands after the last applied command, and its selected db. */
export interface FeedPosition {
  replid: string;
  offset: number;
  db: number;
}

const frame = (args: string[]) => encodeCommand(args).slice();
/** The MULTI that opens every stream batch (compared by identity). */
export const MULTI_FRAME = frame(["MULTI"]);
const EXEC = frame(["EXEC"]);

/**
 * Stream commands and the position they lead to, as one transaction: the target applies both or
 * neither, so after a restart the feed continues exactly after what was applied: nothing lost,
 * nothing applied twice (an INCR counted twice would be wrong).
 */
export function withCheckpoint(
  frames: readonly Uint8Array[],
  position: FeedPosition,
): Uint8Array[] {
  return [
    MULTI_FRAME,
    ...frames,
    frame(["SELECT", "0"]),
    frame(["SET", CHECKPOINT_KEY, JSON.stringify(position)]),
    frame(["SELECT", String(position.db)]),
    EXEC,
  ];
}

/** The position a previous run left in the target, if any. */
export async function readCheckpoint(target: SyncClient): Promise<FeedPosition | undefined> {
  const [, reply] = await target.pipeline([
    ["SELECT", "0"],
    ["GET", CHECKPOINT_KEY],
    ["SELECT", String(target.uri.db)],
  ]);
  if (reply.type !== "bulk") return undefined;
  try {
    const value = JSON.parse(new TextDecoder().decode(reply.value));
    const valid = /^[0-9a-f]{40}$/.test(value.replid) && Number.isSafeInteger(value.offset) &&
      Number.isSafeInteger(value.db);
    return valid ? value : undefined;
  } catch {
    return undefined;
  }
}
