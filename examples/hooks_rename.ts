/**
 * Renames `user:*` keys to `u:*` on their way to the receiver, in the snapshot and in the live
 * stream (every key position of a command is renamed, so `MSET user:1 a user:2 b` stays one
 * command), and logs each change it sees.
 *
 *     remiro replicate --source redis://old:6379 --target redis://new:6379 --mode live \
 *       --live-source replication --hooks examples/hooks_rename.ts
 *
 * @module
 */
import type { ChangeEvent, HookEntry } from "../lib/hooks/mod.ts";

const FROM = "user:";
const TO = "u:";

/** Returns the entry with its key renamed; other keys pass unchanged. */
export function transform(entry: HookEntry): HookEntry {
  const key = entry.keyText;
  if (key.startsWith(FROM)) entry.key = TO + key.slice(FROM.length);
  return entry;
}

/** Called once for each change delivered (after the rename). */
export function onChange(event: ChangeEvent): void {
  if (event.source !== "snapshot") console.error(`${event.kind} ${event.key}`);
}
