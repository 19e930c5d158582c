import type { KeySelector } from "../rdb/mod.ts";
import type { Reply } from "../resp/mod.ts";
import { copyInChunks } from "./chunk_copy.ts";
import { isOwnKey } from "./feed_checkpoint.ts";
import { type Arg, replyBytes, replyError, replyText } from "./sync_client.ts";
import type { RedisLink } from "./redis_link.ts";
import type { Hooks } from "../hooks/mod.ts";
import { hookKeys } from "./key_copy_hooks.ts";

/** What copying did so far; the replicator reports and exports these. */
export interface CopyStats {
  copied: number;
  /** Keys gone from the source by the time they were read, deleted on the target. */
  deleted: number;
  /** Keys copied type by type (big, or a DUMP the target could not read). */
  chunked: number;
  /** Keys whose copy failed; they are listed by the caller and retried. */
  failed: number;
}

export interface CopyOptions {
  selector: KeySelector;
  /** Only these types (TYPE names); all when absent. */
  types?: ReadonlySet<string>;
  /** Keys whose MEMORY USAGE is larger are copied in chunks instead of one DUMP. */
  memLimit?: number;
  /** PEXPIRETIME (Redis 7) gives exact expiries; older sources fall back to PTTL. */
  expiryCommand: "PEXPIRETIME" | "PTTL";
  log?: (message: string) => void;
  /** User hooks: every key read goes through them before it is written (no chunked copies). */
  hooks?: Hooks;
  /** The source's database, as hooks and events see it. */
  db?: number;
  /** How hooks see these keys: the snapshot, or copied again after a change. */
  hookSource?: "snapshot" | "copy";
}

export function newCopyStats(): CopyStats {
  return { copied: 0, deleted: 0, chunked: 0, failed: 0 };
}

/** The absolute expiry in ms, undefined for none, null when the key is gone. */
function expiryOf(
  reply: Reply,
  command: "PEXPIRETIME" | "PTTL",
  now: number,
): number | undefined | null {
  if (reply.type !== "integer") return undefined;
  if (reply.value === -2) return null;
  if (reply.value === -1) return undefined;
  return command === "PTTL" ? now + reply.value : reply.value;
}

/**
 * Copies `keys` from source to target: TYPE, expiry and (with a memory limit) MEMORY USAGE in
 * one pipeline, DUMP in a second, `RESTORE key <expiry> <payload> ABSTTL REPLACE` in a third. A
 * key gone from the source meanwhile is deleted on the target; a big key, or one whose DUMP the
 * target refuses (an older Redis), is copied in chunks. Returns the keys that failed.
 */
export async function copyKeys(
  source: RedisLink,
  target: RedisLink,
  candidates: readonly Uint8Array[],
  options: CopyOptions,
  stats: CopyStats,
): Promise<Uint8Array[]> {
  const keys = candidates.filter((key) => options.selector.matches(key) && !isOwnKey(key));
  if (keys.length === 0) return [];
  const perKey = options.memLimit === undefined ? 2 : 3;
  const metaCommands: Arg[][] = keys.flatMap((key) => {
    const commands: Arg[][] = [["TYPE", key], [options.expiryCommand, key]];
    if (options.memLimit !== undefined) commands.push(["MEMORY", "USAGE", key, "SAMPLES", "5"]);
    return commands;
  });
  const now = Date.now();
  const meta = await source.pipeline(metaCommands);
  const gone: Uint8Array[] = [];
  const dumped: { key: Uint8Array; type: string; expiresAt?: number }[] = [];
  const chunked: { key: Uint8Array; type: string; expiresAt?: number }[] = [];
  keys.forEach((key, i) => {
    const type = replyText(meta[i * perKey]);
    const expiresAt = expiryOf(meta[i * perKey + 1], options.expiryCommand, now);
    if (type === "none" || expiresAt === null) return gone.push(key);
    if (options.types && !options.types.has(type)) return;
    const usage = options.memLimit === undefined ? 0 : meta[i * perKey + 2];
    // A hook needs the whole value: with hooks, big keys are DUMPed too.
    const big = !options.hooks && typeof usage !== "number" && usage.type === "integer" &&
      usage.value > options.memLimit!;
    (big ? chunked : dumped).push({ key, type, expiresAt });
  });
  const failed: Uint8Array[] = [];
  const dumps = dumped.length ? await source.pipeline(dumped.map(({ key }) => ["DUMP", key])) : [];
  let payloads = dumped.map((_, i) => replyBytes(dumps[i]));
  if (options.hooks) {
    const read = [
      ...dumped.map((item, i) => ({ ...item, dump: payloads[i], gone: !payloads[i] })),
      ...gone.map((key) => ({ key, gone: true })),
    ];
    const kept = await hookKeys(read, options.db ?? 0, options.hookSource ?? "copy", options.hooks);
    dumped.length = gone.length = 0;
    payloads = [];
    for (const item of kept) {
      if (item.gone) gone.push(item.key);
      else {
        dumped.push({ key: item.key, type: item.type!, expiresAt: item.expiresAt });
        payloads.push(item.dump);
      }
    }
  }
  const restores: Arg[][] = [];
  const restoring: typeof dumped = [];
  dumped.forEach((item, i) => {
    const payload = payloads[i];
    if (!payload) return gone.push(item.key);
    const ttl = item.expiresAt === undefined ? "0" : String(item.expiresAt);
    restores.push([
      "RESTORE",
      item.key,
      ttl,
      payload,
      "REPLACE",
      ...(item.expiresAt ? ["ABSTTL"] : []),
    ]);
    restoring.push(item);
  });
  const replies = restores.length ? await target.pipeline(restores) : [];
  replies.forEach((reply, i) => {
    const error = replyError(reply);
    if (!error) return stats.copied++;
    if (/payload version|checksum/i.test(error)) return chunked.push(restoring[i]);
    options.log?.(
      `${target.name}: RESTORE ${new TextDecoder().decode(restoring[i].key)}: ${error}`,
    );
    stats.failed++;
    failed.push(restoring[i].key);
  });
  if (gone.length) {
    await target.pipeline(gone.map((key) => ["DEL", key]));
    stats.deleted += gone.length;
  }
  for (const item of chunked) {
    try {
      await copyInChunks(source, target, item.key, item.type, item.expiresAt);
      stats.chunked++;
      stats.copied++;
    } catch (error) {
      options.log?.(
        `chunked copy of ${new TextDecoder().decode(item.key)}: ${(error as Error).message}`,
      );
      stats.failed++;
      failed.push(item.key);
    }
  }
  return failed;
}
