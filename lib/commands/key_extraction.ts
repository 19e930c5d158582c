import type { CommandSpec, KeySpec } from "./command_table.ts";

/** One key of a command: where it is in the arguments, and its key spec's flags. */
export interface KeyRef {
  index: number;
  key: Uint8Array;
  flags: ReadonlySet<string>;
}

const text = new TextDecoder();

function parseCount(bytes: Uint8Array | undefined): number {
  if (!bytes) return NaN;
  const value = Number(text.decode(bytes));
  return Number.isInteger(value) && value >= 0 ? value : NaN;
}

function keywordAt(args: readonly Uint8Array[], i: number, keyword: string): boolean {
  const arg = args[i];
  if (arg.length !== keyword.length) return false;
  for (let j = 0; j < arg.length; j++) {
    const c = arg[j];
    if ((c >= 65 && c <= 90 ? c + 32 : c) !== keyword.charCodeAt(j)) return false;
  }
  return true;
}

/** The first argument index a spec's begin_search points at, or 0 when it finds nothing. */
function beginIndex(spec: KeySpec, args: readonly Uint8Array[]): number {
  const argc = args.length;
  const begin = spec.beginSearch;
  if (begin.type === "index") return begin.index;
  if (begin.type !== "keyword") return 0;
  // As Redis's db.c: a positive startfrom searches forward, a negative one backward from the end.
  const forward = begin.startFrom > 0;
  const start = forward ? begin.startFrom : argc + begin.startFrom;
  const end = forward ? argc - 1 : 0;
  for (let i = start; i !== end + (forward ? 1 : -1); i += forward ? 1 : -1) {
    if (i >= argc || i < 1) break;
    if (keywordAt(args, i, begin.keyword)) return i + 1;
  }
  return 0;
}

// Option words of SORT and how many arguments follow each, to find STORE like sortGetKeys.
const SORT_OPTIONS: Record<string, number> = { limit: 2, get: 1, by: 1, store: 1 };

/** SORT's STORE destination, whose key spec Redis leaves to a dedicated function. */
function sortStoreIndex(args: readonly Uint8Array[]): number {
  let store = 0;
  for (let i = 2; i < args.length; i++) {
    const word = text.decode(args[i]).toLowerCase();
    const skip = SORT_OPTIONS[word];
    if (skip === undefined) continue;
    if (word === "store" && i + 1 < args.length) store = i + 1;
    i += skip;
  }
  return store;
}

/**
 * The keys of a command, found with Redis 7's key specs the way Redis itself finds them
 * (getKeysUsingKeySpecs in db.c). Malformed arguments yield the keys that can be found,
 * never an exception.
 */
export function extractKeys(spec: CommandSpec, args: readonly Uint8Array[]): KeyRef[] {
  const argc = args.length;
  // Most commands name one key at a fixed position (GET, SET, HSET, INCR ...): no search.
  if (spec.keySpecs.length === 1) {
    const only = spec.keySpecs[0];
    const begin = only.beginSearch;
    if (begin.type === "index" && only.findKeys.type === "range" && only.findKeys.lastKey === 0) {
      const index = begin.index;
      return index > 0 && index < argc ? [{ index, key: args[index], flags: only.flags }] : [];
    }
  }
  const found = new Map<number, ReadonlySet<string>>();
  for (const keySpec of spec.keySpecs) {
    let first = beginIndex(keySpec, args);
    if (first <= 0 || first >= argc) continue;
    let last: number;
    let step: number;
    const find = keySpec.findKeys;
    if (find.type === "range") {
      if (find.lastKey >= 0) last = first + find.lastKey;
      else if (find.limit <= 1) last = argc + find.lastKey;
      else last = first + Math.floor((argc - first) / find.limit) + find.lastKey;
      step = find.keyStep;
    } else if (find.type === "keynum") {
      const count = parseCount(args[first + find.keyNumIdx]);
      if (Number.isNaN(count)) continue;
      first += find.firstKey;
      last = first + count - 1;
      step = find.keyStep;
    } else {
      continue;
    }
    if (step < 1) step = 1;
    for (let i = first; i <= last && i < argc; i += step) {
      const flags = found.get(i);
      found.set(i, flags ? new Set([...flags, ...keySpec.flags]) : keySpec.flags);
    }
  }
  if (spec.name === "sort") {
    const store = sortStoreIndex(args);
    const storeSpec = spec.keySpecs.find((k) => k.flags.has("OW"));
    if (store > 0 && storeSpec) found.set(store, storeSpec.flags);
  }
  return [...found.entries()]
    .sort(([a], [b]) => a - b)
    .map(([index, flags]) => ({ index, key: args[index], flags }));
}
