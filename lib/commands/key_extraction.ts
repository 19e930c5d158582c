import { equalsIgnoreCase } from "./byte_name_map.ts";
import type { CommandSpec, KeySpec } from "./command_table.ts";

/** One key of a command: where it is in the arguments, and its key spec's flags. */
export interface KeyRef {
  /** Index into the command's arguments (0 is the command name). */
  index: number;
  key: Uint8Array;
  /** The flags of the key spec that found the key (merged when two specs find the same one). */
  flags: ReadonlySet<string>;
}

const flagSets = new WeakMap<KeySpec, ReadonlySet<string>>();

/** The key spec's flags as a set, built once per spec rather than once per request. */
function flagSet(keySpec: KeySpec): ReadonlySet<string> {
  let flags = flagSets.get(keySpec);
  if (flags === undefined) {
    flags = new Set(keySpec.flags);
    flagSets.set(keySpec, flags);
  }
  return flags;
}

const NOT_A_NUMBER = -1;
const HUGE = Number.MAX_SAFE_INTEGER;

/**
 * A key count the way Redis's string2ll reads it: decimal digits, no sign, spaces or leading
 * zeros. Anything else is NOT_A_NUMBER; counts too long to be exact only need to be "huge",
 * since no request has that many arguments.
 */
function parseCount(bytes: Uint8Array | undefined): number {
  if (bytes === undefined || bytes.length === 0) return NOT_A_NUMBER;
  if (bytes[0] === 48) return bytes.length === 1 ? 0 : NOT_A_NUMBER;
  let value = 0;
  for (let i = 0; i < bytes.length; i++) {
    const digit = bytes[i] - 48;
    if (digit < 0 || digit > 9) return NOT_A_NUMBER;
    value = value * 10 + digit;
  }
  return value > HUGE ? HUGE : value;
}

/**
 * The index of the first key a spec's begin_search points at, or 0 when the search finds
 * nothing, as in getKeysUsingKeySpecs (db.c). A keyword search runs from `startFrom`, backwards
 * from the end when it is negative, and never looks at the command name or the last argument
 * (a keyword there would have no key after it).
 */
function beginIndex(keySpec: KeySpec, args: readonly Uint8Array[]): number {
  const begin = keySpec.beginSearch;
  if (begin.type === "index") return begin.index;
  if (begin.type !== "keyword") return 0;
  const argc = args.length;
  if (begin.startFrom > 0) {
    for (let i = begin.startFrom; i < argc - 1; i++) {
      if (equalsIgnoreCase(args[i], begin.keyword)) return i + 1;
    }
  } else {
    for (let i = argc + begin.startFrom; i >= 1; i--) {
      if (i < argc && equalsIgnoreCase(args[i], begin.keyword)) return i + 1;
    }
  }
  return 0;
}

/** Appends the argument indexes one key spec finds; whatever lies past the arguments is cut. */
function findWithSpec(keySpec: KeySpec, args: readonly Uint8Array[], out: KeyRef[]): void {
  const argc = args.length;
  let first = beginIndex(keySpec, args);
  if (first <= 0 || first >= argc) return;
  const find = keySpec.findKeys;
  let last: number;
  let step: number;
  if (find.type === "range") {
    if (find.lastKey >= 0) last = first + find.lastKey;
    else if (find.limit === 0) last = argc + find.lastKey;
    // Keys take 1/limit of what follows, like XREAD's STREAMS k1 k2 id1 id2.
    else last = first + Math.floor((argc - first) / find.limit) + find.lastKey;
    step = find.keyStep;
  } else if (find.type === "keynum") {
    const count = parseCount(args[first + find.keyNumIdx]);
    if (count === NOT_A_NUMBER) return;
    first += find.firstKey;
    last = first + count - 1;
    step = find.keyStep;
  } else {
    return;
  }
  // Redis rejects a numkeys larger than the arguments; the keys that are there still count.
  if (last >= argc) last = argc - 1;
  if (step < 1) step = 1;
  const flags = flagSet(keySpec);
  for (let i = first; i <= last; i += step) out.push({ index: i, key: args[i], flags });
}

function keyAt(args: readonly Uint8Array[], index: number, keySpec: KeySpec | undefined): KeyRef[] {
  if (keySpec === undefined || index <= 0 || index >= args.length) return [];
  return [{ index, key: args[index], flags: flagSet(keySpec) }];
}

/**
 * SORT's STORE destination has an "unknown" key spec: Redis parses the options (sortGetKeys),
 * and so does this, skipping option arguments so that `BY store` is no destination. The last
 * STORE wins, as in SORT itself.
 */
function sortKeys(spec: CommandSpec, args: readonly Uint8Array[]): KeyRef[] {
  const keys = keyAt(args, 1, spec.keySpecs[0]);
  let store = 0;
  for (let i = 2; i < args.length; i++) {
    const left = args.length - i - 1;
    const arg = args[i];
    if (equalsIgnoreCase(arg, "limit") && left >= 2) i += 2;
    else if (equalsIgnoreCase(arg, "store") && left >= 1) store = ++i;
    else if ((equalsIgnoreCase(arg, "by") || equalsIgnoreCase(arg, "get")) && left >= 1) i++;
  }
  const storeSpec = spec.keySpecs.find((k) => k.flags.includes("OW"));
  return store > 0 ? [...keys, ...keyAt(args, store, storeSpec)] : keys;
}

/** SORT_RO's only other spec stands for BY/GET patterns, which name no key of their own. */
function sortReadOnlyKeys(spec: CommandSpec, args: readonly Uint8Array[]): KeyRef[] {
  return keyAt(args, 1, spec.keySpecs[0]);
}

/** MIGRATE option words before KEYS and how many arguments follow each (migrateGetKeys). */
const MIGRATE_OPTIONS: readonly (readonly [string, number])[] = [
  ["copy", 0],
  ["replace", 0],
  ["auth", 1],
  ["auth2", 2],
];

/**
 * MIGRATE moves either the key at index 3 or, when that is "", the keys after a KEYS option.
 * Its KEYS key spec searches backwards and would take a key named "keys" for the option, so
 * this parses the options instead, like migrateGetKeys.
 */
function migrateKeys(spec: CommandSpec, args: readonly Uint8Array[]): KeyRef[] {
  const keySpec = spec.keySpecs[0];
  for (let i = 6; i < args.length; i++) {
    if (equalsIgnoreCase(args[i], "keys")) {
      // Redis refuses KEYS with a non-empty key argument: the command fails, no key is touched.
      if (args[3].length > 0) return [];
      const keys: KeyRef[] = [];
      for (let k = i + 1; k < args.length; k++) keys.push(...keyAt(args, k, keySpec));
      return keys;
    }
    const option = MIGRATE_OPTIONS.find(([word]) => equalsIgnoreCase(args[i], word));
    if (option) i += option[1];
  }
  return keyAt(args, 3, keySpec);
}

type KeyFinder = (spec: CommandSpec, args: readonly Uint8Array[]) => KeyRef[];

// Commands whose key specs are "unknown" or "incomplete": Redis finds their keys with a
// dedicated function (getkeys_proc) and so must we. key_extraction_test.ts fails when a
// regenerated table brings a new such command.
const KEY_FINDERS: ReadonlyMap<string, KeyFinder> = new Map([
  ["sort", sortKeys],
  ["sort_ro", sortReadOnlyKeys],
  ["migrate", migrateKeys],
]);

/** Names of the commands whose keys are found by parsing their options, not their key specs. */
export const COMMANDS_WITH_KEY_FINDERS: ReadonlySet<string> = new Set(KEY_FINDERS.keys());

function sortAndMerge(found: KeyRef[]): KeyRef[] {
  found.sort((a, b) => a.index - b.index);
  const out: KeyRef[] = [];
  for (const ref of found) {
    const previous = out[out.length - 1];
    if (previous?.index !== ref.index) out.push(ref);
    else if (previous.flags !== ref.flags) {
      previous.flags = new Set([...previous.flags, ...ref.flags]);
    }
  }
  return out;
}

/**
 * The keys of a command, in argument order, found with Redis 7's key specs the way Redis finds
 * them (getKeysUsingKeySpecs in db.c), or by parsing the options where Redis does too (SORT,
 * MIGRATE). Specs flagged `not_key` (shard channels) name no key and are skipped. Malformed
 * arguments yield the keys that can be found, never an exception.
 *
 * @example
 * ```ts
 * import { lookupCommand } from "./command_table.ts";
 * const args = ["ZUNIONSTORE", "dst", "2", "a", "b"].map((a) => new TextEncoder().encode(a));
 * console.assert(extractKeys(lookupCommand(args)!, args).map((k) => k.index).join() === "1,3,4");
 * ```
 */
export function extractKeys(spec: CommandSpec, args: readonly Uint8Array[]): KeyRef[] {
  const finder = KEY_FINDERS.get(spec.name);
  if (finder) return finder(spec, args);
  const specs = spec.keySpecs;
  // Most keyed commands name one key at a fixed position (GET, SET, HSET, INCR ...): no search.
  if (specs.length === 1) {
    const only = specs[0];
    const begin = only.beginSearch;
    const find = only.findKeys;
    if (begin.type === "index" && find.type === "range" && find.lastKey === 0) {
      return only.flags.includes("not_key") ? [] : keyAt(args, begin.index, only);
    }
  }
  const found: KeyRef[] = [];
  for (const keySpec of specs) {
    if (!keySpec.flags.includes("not_key")) findWithSpec(keySpec, args, found);
  }
  return found.length > 1 ? sortAndMerge(found) : found;
}
