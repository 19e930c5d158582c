import { commandName, extractKeys, lookupCommand } from "../commands/mod.ts";
import { encodeCommand } from "../resp/mod.ts";
import type { KeySelector } from "../rdb/mod.ts";

/** What the filter did with one command. */
export type FilterOutcome = "passed" | "dropped" | "split" | "mixed" | "unknown";

export interface FilterResult {
  outcome: FilterOutcome;
  /** MULTI, EXEC or DISCARD: a consumer that batches into its own transactions drops them. */
  transactionMarker?: boolean;
  /** The bytes to pass on: the command itself, a reduced copy, or nothing. */
  output?: Uint8Array;
}

const encoder = new TextEncoder();

/** Commands whose keys are independent: a mixed one passes with only its matching keys. */
const SPLIT_KEYS = new Set(["del", "unlink", "touch"]);
/** Commands of key-value pairs: a mixed one passes as MSET of the matching pairs. */
const SPLIT_PAIRS = new Set(["mset", "msetnx"]);
/** Replication housekeeping between master and replica, never passed on. */
const LINK_COMMANDS = new Set(["replconf"]);

/**
 * Filters a master's replication stream command by command with the same {@link KeySelector}
 * as the snapshot. Commands without keys (SELECT, MULTI/EXEC, PING, FLUSHALL, FUNCTION LOAD,
 * SWAPDB, PUBLISH) pass; keyed commands pass when all their keys match and are dropped when
 * none do. When only some do, commands of independent keys are reduced to the matching ones
 * (`DEL a b` → `DEL a`, MSET/MSETNX → MSET of the matching pairs: MSETNX already succeeded on
 * the master); any other mix (RENAME across the boundary, SUNIONSTORE, a script) is dropped
 * and reported through `onMixed`, never half-applied. It also tracks the selected database
 * and whether a transaction is open, which a checkpoint needs.
 */
export class StreamFilter {
  /** The database the stream has selected. */
  db = 0;
  /** Inside MULTI ... EXEC: no safe place to resume from. */
  inTransaction = false;

  constructor(
    readonly selector: KeySelector,
    readonly onMixed: (name: string, keys: Uint8Array[]) => void = () => {},
  ) {}

  filter(args: Uint8Array[], raw: Uint8Array): FilterResult {
    if (args.length === 0) return { outcome: "passed", output: raw };
    const name = commandName(args);
    if (LINK_COMMANDS.has(name)) return { outcome: "dropped" };
    if (name === "select") this.db = Number(new TextDecoder().decode(args[1]));
    else if (name === "multi" || name === "exec" || name === "discard") {
      this.inTransaction = name === "multi";
      return { outcome: "passed", output: raw, transactionMarker: true };
    }
    const spec = lookupCommand(args);
    if (!spec) return { outcome: "unknown", output: raw };
    const refs = extractKeys(spec, args);
    if (refs.length === 0 || this.selector.all) return { outcome: "passed", output: raw };
    const matching = refs.filter((ref) => this.selector.matches(ref.key));
    if (matching.length === refs.length) return { outcome: "passed", output: raw };
    if (matching.length === 0) return { outcome: "dropped" };
    if (SPLIT_KEYS.has(name)) {
      return {
        outcome: "split",
        output: copy(encodeCommand([args[0], ...matching.map((r) => r.key)])),
      };
    }
    if (SPLIT_PAIRS.has(name)) {
      const pairs = matching.flatMap((ref) => [ref.key, args[ref.index + 1]]);
      return { outcome: "split", output: copy(encodeCommand([encoder.encode("MSET"), ...pairs])) };
    }
    this.onMixed(name, refs.map((ref) => ref.key));
    return { outcome: "mixed" };
  }
}

/** encodeCommand may return a view into a shared buffer; the backlog keeps bytes for long. */
function copy(bytes: Uint8Array): Uint8Array {
  return bytes.slice();
}
