/**
 * Drops hashes marked as deleted (a field `deleted` with the value `1`): they are not copied to
 * the receiver. Snapshot entries and keys copied again after a change are judged by their
 * value; on the replication stream a hook sees commands, not values, so `HSET k deleted 1`
 * is dropped by its arguments being unknown to the hook: use `--live-source notifications`
 * (which reads each changed key) to filter live changes by value.
 *
 *     remiro replicate --source redis://old:6379 --target redis://new:6379 \
 *       --hooks examples/hooks_filter_deleted.ts
 *
 * @module
 */
import type { HookEntry } from "../lib/hooks/mod.ts";

const decoder = new TextDecoder();

/** False for a hash whose field `deleted` is `1`. */
export function filter(entry: HookEntry): boolean {
  if (entry.type !== "hash") return true;
  const value = entry.value;
  if (value?.type !== "hash") return true;
  return !value.fields.some((f) =>
    decoder.decode(f.field) === "deleted" && decoder.decode(f.value) === "1"
  );
}
