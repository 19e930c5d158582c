import { equalsIgnoreCase } from "./byte_name_map.ts";
import { type CommandSpec, lookupCommand } from "./command_table.ts";
import { extractKeys, type KeyRef } from "./key_extraction.ts";

/**
 * What the migration proxy must do with a key before the command runs:
 * - "copy": the command reads the key or depends on whether it exists, so the key must be on
 *   the destination first;
 * - "overwrite": the command replaces the whole value without looking at it: no copy needed.
 */
export type KeyAction = "copy" | "overwrite";

/** One key of a planned command. */
export interface KeyPlan {
  key: Uint8Array;
  /** Index into the command's arguments. */
  index: number;
  action: KeyAction;
  /**
   * After the command succeeds, the key's copy on the source must be deleted: the command may
   * delete the key, or give it an expiry, on the destination, and the source copy would then
   * bring it back.
   */
  retiresSource: boolean;
}

/** How the migration proxy handles one command. */
export interface CommandPlan {
  /** Undefined for commands Redis does not know (they are forwarded as writes). */
  spec: CommandSpec | undefined;
  /** "delete" is DEL and UNLINK only; commands in which no key was found are "keyless". */
  kind: "keyless" | "delete" | "keyed";
  /** The spec has the `readonly` flag. */
  readonly: boolean;
  /** In argument order. */
  keys: KeyPlan[];
}

/** Does the argument at `i` set an expiry (and is followed by its value)? */
function isExpiryOption(args: readonly Uint8Array[], i: number): boolean {
  const arg = args[i];
  return equalsIgnoreCase(arg, "ex") || equalsIgnoreCase(arg, "px") ||
    equalsIgnoreCase(arg, "exat") || equalsIgnoreCase(arg, "pxat");
}

/** SET options whose outcome depends on the old value (or on whether there is one). */
function isSetReadOption(arg: Uint8Array): boolean {
  return equalsIgnoreCase(arg, "get") || equalsIgnoreCase(arg, "keepttl") ||
    equalsIgnoreCase(arg, "nx") || equalsIgnoreCase(arg, "xx") || equalsIgnoreCase(arg, "ifeq");
}

interface SetOptions {
  reads: boolean;
  expires: boolean;
}

/**
 * SET's options as far as the plan cares. The argument after EX/PX/EXAT/PXAT is its value and
 * is skipped, so `SET k v EX nx` is an expiring overwrite (Redis rejects it anyway).
 */
function setOptions(args: readonly Uint8Array[]): SetOptions {
  let reads = false;
  let expires = false;
  for (let i = 3; i < args.length; i++) {
    if (isExpiryOption(args, i)) {
      expires = true;
      i++;
    } else if (isSetReadOption(args[i])) {
      reads = true;
    }
  }
  return { reads, expires };
}

function hasArgument(args: readonly Uint8Array[], from: number, lowerWord: string): boolean {
  for (let i = from; i < args.length; i++) if (equalsIgnoreCase(args[i], lowerWord)) return true;
  return false;
}

function hasExpiryOption(args: readonly Uint8Array[], from: number): boolean {
  for (let i = from; i < args.length; i++) if (isExpiryOption(args, i)) return true;
  return false;
}

/** Commands that give their key an expiry whenever they succeed. */
const ALWAYS_EXPIRES = new Set(["expire", "pexpire", "expireat", "pexpireat", "setex", "psetex"]);
/**
 * Commands whose destination key (the second key) takes over the first key's TTL; MOVE's
 * destination is the same key in another database.
 */
const CARRIES_TTL = new Set(["rename", "renamenx", "copy", "move"]);
/**
 * Commands that delete their destination key when the result is empty (an empty set union, an
 * empty SORT ... STORE, BITOP over missing keys). Redis flags that key OW/update, not delete,
 * yet the key can vanish from the destination and must not come back from the source.
 */
const STORE_MAY_DELETE = new Set([
  "sunionstore",
  "sinterstore",
  "sdiffstore",
  "zunionstore",
  "zinterstore",
  "zdiffstore",
  "zrangestore",
  "georadius",
  "georadiusbymember",
  "geosearchstore",
  "sort",
  "bitop",
]);

function actionOf(
  name: string,
  ref: KeyRef,
  args: readonly Uint8Array[],
  set?: SetOptions,
): KeyAction {
  if (set) return set.reads ? "copy" : "overwrite";
  if (!ref.flags.has("OW") || !ref.flags.has("update")) return "copy";
  // Without REPLACE, COPY answers 0 and RESTORE fails with BUSYKEY when the key exists: the
  // answer depends on the old key, which may still be on the source only.
  if (name === "copy" && !hasArgument(args, 3, "replace")) return "copy";
  if (name === "restore" && !hasArgument(args, 4, "replace")) return "copy";
  return "overwrite";
}

function retiresSource(
  name: string,
  ref: KeyRef,
  args: readonly Uint8Array[],
  firstKeyIndex: number,
  set?: SetOptions,
): boolean {
  if (ref.flags.has("delete") || ref.flags.has("RM")) return true;
  if (ALWAYS_EXPIRES.has(name)) return true;
  if (set) return set.expires;
  if (name === "getex") return hasExpiryOption(args, 2);
  // RESTORE's ttl 0 means no expiry; anything else (or garbage, which fails) is on the safe side.
  if (name === "restore") return args[2] === undefined || !equalsIgnoreCase(args[2], "0");
  if (CARRIES_TTL.has(name)) return name === "move" || ref.index !== firstKeyIndex;
  // The stored key: flagged OW, except for SINTERSTORE, whose Redis key spec says RW.
  if (STORE_MAY_DELETE.has(name)) return !ref.flags.has("RO");
  return false;
}

const KEYLESS_UNKNOWN: Omit<CommandPlan, "keys"> = {
  spec: undefined,
  kind: "keyless",
  readonly: false,
};

/**
 * The migration plan of a command: which keys must be copied to the destination first, which
 * are overwritten without being read, and which source copies must be deleted afterwards.
 * `spec` defaults to {@linkcode lookupCommand}`(args)`; callers that already looked the command
 * up pass it to save a second lookup.
 *
 * @example
 * ```ts
 * const enc = new TextEncoder();
 * const plan = planCommand(["SET", "k", "v"].map((s) => enc.encode(s)));
 * console.assert(plan.kind === "keyed" && plan.keys[0].action === "overwrite");
 * ```
 */
export function planCommand(
  args: readonly Uint8Array[],
  spec: CommandSpec | undefined = lookupCommand(args),
): CommandPlan {
  if (spec === undefined) return { ...KEYLESS_UNKNOWN, keys: [] };
  const readonly = spec.flags.has("readonly");
  const refs = extractKeys(spec, args);
  if (refs.length === 0) return { spec, kind: "keyless", readonly, keys: [] };
  const name = spec.name;
  if (name === "del" || name === "unlink") {
    const keys = refs.map(({ key, index }): KeyPlan => ({
      key,
      index,
      action: "overwrite",
      retiresSource: true,
    }));
    return { spec, kind: "delete", readonly, keys };
  }
  const set = name === "set" ? setOptions(args) : undefined;
  const firstKeyIndex = refs[0].index;
  const keys = refs.map((ref): KeyPlan => ({
    key: ref.key,
    index: ref.index,
    action: actionOf(name, ref, args, set),
    retiresSource: retiresSource(name, ref, args, firstKeyIndex, set),
  }));
  return { spec, kind: "keyed", readonly, keys };
}
