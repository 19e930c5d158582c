import { dataTypeOf, decodeDump, encodeDump, keyToText } from "../rdb/mod.ts";
import type { ChangeEvent, Hooks, HookSource, WireEntry } from "../hooks/mod.ts";

/**
 * A DUMP's parts without checking its CRC: the payload goes back to a RESTORE that checks it,
 * and a CRC-64 in JavaScript would cost more than the hooks.
 */
function splitDump(dump: Uint8Array): { type: number; payload: Uint8Array; rdbVersion: number } {
  const trailer = dump.length - 10;
  if (trailer < 1) return decodeDump(dump);
  return {
    type: dump[0],
    payload: dump.subarray(1, trailer),
    rdbVersion: dump[trailer] | (dump[trailer + 1] << 8),
  };
}

/** A key read from the source: its DUMP, or none (gone, or copied in chunks). */
export interface ReadKey {
  key: Uint8Array;
  type?: string;
  expiresAt?: number;
  /** The DUMP payload. */
  dump?: Uint8Array;
  gone?: boolean;
}

/** What the hooks left of a key, with the key to write on the target. */
export interface HookedKey extends ReadKey {
  /** The key on the source (to read chunks from). */
  sourceKey: Uint8Array;
}

/**
 * Runs keys read by SCAN + DUMP (or copied again after a notification) through the hooks: the
 * DUMP is split into type and payload for the worker and rebuilt if the transform changed the
 * value; keys without a DUMP (deleted, or copied in chunks) are passed by key alone, so a
 * rename applies to them too. Then the change events are delivered (without an offset:
 * notifications have none). Returns the keys to write, in order.
 */
export async function hookKeys(
  keys: readonly ReadKey[],
  db: number,
  source: HookSource,
  hooks: Hooks,
): Promise<HookedKey[]> {
  const wire: WireEntry[] = [];
  const versions: number[] = [];
  for (const item of keys) {
    if (item.dump) {
      const { type, payload, rdbVersion } = splitDump(item.dump);
      versions.push(rdbVersion);
      wire.push({ db, key: item.key, type, payload, expiresAt: item.expiresAt, source });
    } else {
      versions.push(0);
      wire.push({ db, key: item.key, expiresAt: item.expiresAt, source });
    }
  }
  const version = Math.max(10, ...versions);
  const decisions = hooks.runner ? await hooks.runner.entries(wire, version) : wire;
  const out: HookedKey[] = [];
  const events: ChangeEvent[] = [];
  decisions.forEach((decision, i) => {
    if (!decision) return;
    const item = keys[i];
    const changed = decision !== wire[i];
    const dump = item.dump && changed
      ? encodeDump({ type: decision.type!, payload: decision.payload! }, versions[i])
      : item.dump;
    out.push({
      ...item,
      sourceKey: item.key,
      key: decision.key,
      expiresAt: decision.expiresAt,
      dump,
    });
    events.push({
      kind: item.gone ? "delete" : "set",
      db,
      key: keyToText(decision.key),
      type: decision.type === undefined ? item.type : dataTypeOf(decision.type),
      expiresAt: decision.expiresAt,
      source,
    });
  });
  await hooks.delivery?.deliver(events);
  return out;
}
