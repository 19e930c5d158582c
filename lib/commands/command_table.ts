import table from "./command_table.json" with { type: "json" };
import { ByteNameMap, lowerAsciiString } from "./byte_name_map.ts";
import {
  type BeginSearch,
  type CommandEntry,
  type FindKeys,
  type KeySpecEntry,
  parseCommandTable,
} from "./command_table_file.ts";

export type { BeginSearch, FindKeys } from "./command_table_file.ts";

/** One Redis 7 key specification of a command. */
export interface KeySpec {
  /** Redis's key spec flags: RO, RW, OW, RM, access, update, insert, delete, not_key, ... */
  flags: readonly string[];
  /** A "keyword" search's keyword is lower-case here. */
  beginSearch: BeginSearch;
  findKeys: FindKeys;
}

/** A command (or subcommand, named "parent|sub") as redis-server describes it. */
export interface CommandSpec {
  /** Lower-case; "config|get" for subcommands. */
  name: string;
  /** Redis's rule: positive means exactly that many arguments, negative at least -arity. */
  arity: number;
  /** Command flags: write, readonly, denyoom, fast, blocking, movablekeys, noscript, ... */
  flags: ReadonlySet<string>;
  firstKey: number;
  lastKey: number;
  step: number;
  /** ACL categories without the '@'. */
  categories: ReadonlySet<string>;
  keySpecs: readonly KeySpec[];
  /** Keyed by the lower-case subcommand name alone ("get" for "config|get"). */
  subcommands?: ReadonlyMap<string, CommandSpec>;
}

function toKeySpec(entry: KeySpecEntry): KeySpec {
  const begin = entry.beginSearch;
  return {
    flags: Object.freeze([...entry.flags]),
    beginSearch: begin.type === "keyword"
      ? { ...begin, keyword: begin.keyword.toLowerCase() }
      : begin,
    findKeys: entry.findKeys,
  };
}

function toSpec(name: string, entry: CommandEntry): CommandSpec {
  return {
    name,
    arity: entry.arity,
    flags: new Set(entry.flags),
    firstKey: entry.firstKey,
    lastKey: entry.lastKey,
    step: entry.step,
    categories: new Set(entry.categories),
    keySpecs: Object.freeze(entry.keySpecs.map(toKeySpec)),
  };
}

/** A top-level command with the byte-keyed table of its subcommands. */
interface Entry {
  spec: CommandSpec;
  subcommands: ByteNameMap<CommandSpec> | undefined;
}

const file = parseCommandTable(table);

function load(): ByteNameMap<Entry> {
  const parents = new Map<string, CommandSpec>();
  const children = new Map<string, Map<string, CommandSpec>>();
  for (const [name, entry] of Object.entries(file.commands)) {
    const bar = name.indexOf("|");
    if (bar < 0) {
      parents.set(name, toSpec(name, entry));
      continue;
    }
    const parent = name.slice(0, bar);
    const subs = children.get(parent) ?? new Map<string, CommandSpec>();
    subs.set(name.slice(bar + 1), toSpec(name, entry));
    children.set(parent, subs);
  }
  const entries: [string, Entry][] = [];
  for (const [name, spec] of parents) {
    const subs = children.get(name);
    if (subs) spec.subcommands = subs;
    entries.push([name, { spec, subcommands: subs && new ByteNameMap(subs) }]);
  }
  for (const parent of children.keys()) {
    if (!parents.has(parent)) throw new Error(`command_table.json: ${parent} has no entry`);
  }
  return new ByteNameMap(entries);
}

const COMMANDS: ByteNameMap<Entry> = load();

/** The Redis version the table was generated from. */
export const COMMAND_TABLE_REDIS_VERSION: string = file.redisVersion;

/**
 * The spec of the command in `args` (any letter case), or of its subcommand when the command has
 * subcommands and args[1] names one (CONFIG GET, OBJECT ENCODING). Undefined for commands Redis
 * does not know. Allocates nothing.
 *
 * @example
 * ```ts
 * const enc = new TextEncoder();
 * console.assert(lookupCommand([enc.encode("GeT"), enc.encode("k")])?.name === "get");
 * console.assert(lookupCommand(["object", "encoding", "k"].map((a) => enc.encode(a)))?.name ===
 *   "object|encoding");
 * ```
 */
export function lookupCommand(args: readonly Uint8Array[]): CommandSpec | undefined {
  if (args.length === 0) return undefined;
  const entry = COMMANDS.get(args[0]);
  if (entry === undefined) return undefined;
  if (entry.subcommands === undefined || args.length < 2) return entry.spec;
  return entry.subcommands.get(args[1]) ?? entry.spec;
}

/**
 * The lower-case command name, "parent|sub" for known subcommands, the lower-cased first
 * argument for unknown commands, "" for no arguments.
 *
 * @example
 * ```ts
 * const enc = new TextEncoder();
 * console.assert(commandName(["CONFIG", "GET", "x"].map((a) => enc.encode(a))) === "config|get");
 * ```
 */
export function commandName(args: readonly Uint8Array[]): string {
  if (args.length === 0) return "";
  return lookupCommand(args)?.name ?? lowerAsciiString(args[0]);
}

/**
 * Redis's arity rule: positive means exactly, negative means at least -arity arguments, the
 * command name (and subcommand name) included.
 *
 * @example
 * ```ts
 * const get = lookupCommand([new TextEncoder().encode("get")])!;
 * console.assert(checkArity(get, 2) && !checkArity(get, 3));
 * ```
 */
export function checkArity(spec: CommandSpec, argc: number): boolean {
  return spec.arity >= 0 ? argc === spec.arity : argc >= -spec.arity;
}

/** Every command and subcommand name, e.g. for bounding metric labels. */
export function commandNames(): ReadonlySet<string> {
  return new Set(Object.keys(file.commands));
}
