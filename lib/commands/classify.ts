import { type CommandSpec, lookupCommand } from "./command_table.ts";
import { extractKeys } from "./key_extraction.ts";

/**
 * What the migration proxy must do with a key before the command runs:
 * - "copy": the command reads the key or depends on whether it exists, so the key must be on
 *   the destination first;
 * - "overwrite": the command replaces the whole value without looking at it.
 */
export type KeyAction = "copy" | "overwrite";

/** One key of a planned command. */
export interface KeyPlan {
  key: Uint8Array;
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
  kind: "keyless" | "delete" | "keyed";
  readonly: boolean;
  keys: KeyPlan[];
}

const text = new TextDecoder();
const upper = (arg: Uint8Array | undefined) => arg ? text.decode(arg).toUpperCase() : "";

const EXPIRY_OPTIONS = new Set(["EX", "PX", "EXAT", "PXAT"]);
const SET_READS = new Set(["GET", "KEEPTTL", "NX", "XX", "IFEQ"]);
/** Commands that always leave an expiry on their key (or keep a destination key's TTL). */
const ALWAYS_EXPIRE = new Set(["expire", "pexpire", "expireat", "pexpireat", "setex", "psetex"]);
/** Commands whose destination key takes over the source key's TTL. */
const CARRIES_TTL = new Set(["rename", "renamenx", "copy", "move"]);

/** SET's options as far as the plan cares: does it read the old value, does it set an expiry. */
function setOptions(args: readonly Uint8Array[]): { reads: boolean; expires: boolean } {
  let reads = false;
  let expires = false;
  for (let i = 3; i < args.length; i++) {
    const option = upper(args[i]);
    if (EXPIRY_OPTIONS.has(option)) {
      expires = true;
      i++;
    } else if (SET_READS.has(option)) {
      reads = true;
    }
  }
  return { reads, expires };
}

function hasArgument(args: readonly Uint8Array[], from: number, word: string): boolean {
  for (let i = from; i < args.length; i++) if (upper(args[i]) === word) return true;
  return false;
}

function getexExpires(args: readonly Uint8Array[]): boolean {
  for (let i = 2; i < args.length; i++) if (EXPIRY_OPTIONS.has(upper(args[i]))) return true;
  return false;
}

/**
 * The migration plan of a command: which keys must be copied first, which are overwritten,
 * and which source copies must be retired afterwards.
 *
 * @example
 * ```ts
 * const args = ["SET", "k", "v"].map((s) => new TextEncoder().encode(s));
 * console.assert(planCommand(args).keys[0].action === "overwrite");
 * ```
 */
export function planCommand(
  args: readonly Uint8Array[],
  spec: CommandSpec | undefined = lookupCommand(args),
): CommandPlan {
  if (!spec) return { spec, kind: "keyless", readonly: false, keys: [] };
  const readonly = spec.flags.has("readonly");
  const refs = extractKeys(spec, args);
  if (refs.length === 0) return { spec, kind: "keyless", readonly, keys: [] };
  const name = spec.name;
  if (name === "del" || name === "unlink") {
    return {
      spec,
      kind: "delete",
      readonly,
      keys: refs.map(({ key, index }) => ({
        key,
        index,
        action: "overwrite",
        retiresSource: true,
      })),
    };
  }
  const set = name === "set" ? setOptions(args) : undefined;
  const keys = refs.map(({ key, index, flags }, position): KeyPlan => {
    let action: KeyAction = flags.has("OW") && flags.has("update") ? "overwrite" : "copy";
    if (name === "set") action = set!.reads ? "copy" : "overwrite";
    if (name === "copy" && position === 1 && !hasArgument(args, 3, "REPLACE")) action = "copy";
    if (name === "restore" && !hasArgument(args, 4, "REPLACE")) action = "copy";

    let retiresSource = flags.has("delete") || flags.has("RM") || ALWAYS_EXPIRE.has(name);
    if (name === "set") retiresSource = set!.expires;
    if (name === "getex") retiresSource = getexExpires(args);
    if (name === "restore") retiresSource = upper(args[2]) !== "0";
    if (CARRIES_TTL.has(name) && position === 1) retiresSource = true;
    if (name === "move") retiresSource = true;
    return { key, index, action, retiresSource };
  });
  return { spec, kind: "keyed", readonly, keys };
}
