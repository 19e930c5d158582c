import table from "./command_table.json" with { type: "json" };

/** Where a key spec's search for keys begins (Redis 7 `begin_search`). */
export type BeginSearch =
  | { type: "index"; index: number }
  | { type: "keyword"; keyword: string; startFrom: number }
  | { type: "unknown" };

/** How a key spec finds keys from where the search began (Redis 7 `find_keys`). */
export type FindKeys =
  | { type: "range"; lastKey: number; keyStep: number; limit: number }
  | { type: "keynum"; keyNumIdx: number; firstKey: number; keyStep: number }
  | { type: "unknown" };

/** One Redis 7 key specification. */
export interface KeySpec {
  flags: ReadonlySet<string>;
  beginSearch: BeginSearch;
  findKeys: FindKeys;
}

/** A command (or subcommand, named "parent|sub") as redis-server describes it. */
export interface CommandSpec {
  name: string;
  arity: number;
  flags: ReadonlySet<string>;
  firstKey: number;
  lastKey: number;
  step: number;
  categories: ReadonlySet<string>;
  keySpecs: readonly KeySpec[];
  subcommands?: ReadonlyMap<string, CommandSpec>;
}

/** Shape of one key spec in command_table.json. */
export interface KeySpecEntry {
  flags: string[];
  begin: { index?: number; keyword?: string; startFrom?: number };
  find: {
    lastKey?: number;
    keyStep?: number;
    limit?: number;
    keyNumIdx?: number;
    firstKey?: number;
  };
}

/** Shape of one command in command_table.json. */
export interface CommandEntry {
  arity: number;
  flags: string[];
  keys: [number, number, number];
  categories: string[];
  keySpecs: KeySpecEntry[];
  subcommands?: Record<string, CommandEntry>;
}

/** Shape of command_table.json. */
export interface CommandTableFile {
  generatedBy: string;
  redisVersion: string;
  commands: Record<string, CommandEntry>;
}

function toKeySpec(entry: KeySpecEntry): KeySpec {
  const { begin, find } = entry;
  return {
    flags: new Set(entry.flags),
    beginSearch: begin.index !== undefined
      ? { type: "index", index: begin.index }
      : begin.keyword !== undefined
      ? { type: "keyword", keyword: begin.keyword.toLowerCase(), startFrom: begin.startFrom ?? 0 }
      : { type: "unknown" },
    findKeys: find.lastKey !== undefined
      ? { type: "range", lastKey: find.lastKey, keyStep: find.keyStep ?? 1, limit: find.limit ?? 0 }
      : find.keyNumIdx !== undefined
      ? {
        type: "keynum",
        keyNumIdx: find.keyNumIdx,
        firstKey: find.firstKey ?? 1,
        keyStep: find.keyStep ?? 1,
      }
      : { type: "unknown" },
  };
}

function toSpec(name: string, entry: CommandEntry): CommandSpec {
  const spec: CommandSpec = {
    name,
    arity: entry.arity,
    flags: new Set(entry.flags),
    firstKey: entry.keys[0],
    lastKey: entry.keys[1],
    step: entry.keys[2],
    categories: new Set(entry.categories),
    keySpecs: entry.keySpecs.map(toKeySpec),
  };
  if (entry.subcommands) {
    spec.subcommands = new Map(
      Object.entries(entry.subcommands).map((
        [sub, e],
      ) => [sub.split("|")[1] ?? sub, toSpec(sub, e)]),
    );
  }
  return spec;
}

const file = table as unknown as CommandTableFile;
const COMMANDS: ReadonlyMap<string, CommandSpec> = new Map(
  Object.entries(file.commands).map(([name, entry]) => [name, toSpec(name, entry)]),
);

/** The Redis version the table was generated from. */
export const COMMAND_TABLE_REDIS_VERSION: string = file.redisVersion;

function lower(bytes: Uint8Array): string {
  let out = "";
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i];
    out += String.fromCharCode(c >= 65 && c <= 90 ? c + 32 : c);
  }
  return out;
}

/**
 * The spec of the command in `args` (case-insensitive), or of its subcommand when args[1]
 * names one (CONFIG GET, OBJECT ENCODING). Undefined for commands Redis does not know.
 *
 * @example
 * ```ts
 * const spec = lookupCommand([new TextEncoder().encode("get"), new TextEncoder().encode("k")]);
 * console.assert(spec?.name === "get" && spec.arity === 2);
 * ```
 */
export function lookupCommand(args: readonly Uint8Array[]): CommandSpec | undefined {
  if (args.length === 0 || args[0].length > 32) return undefined;
  const spec = COMMANDS.get(lower(args[0]));
  if (spec?.subcommands && args.length > 1 && args[1].length <= 32) {
    return spec.subcommands.get(lower(args[1])) ?? spec;
  }
  return spec;
}

/** Lower-case name, "parent|sub" for known subcommands, the raw name for unknown commands. */
export function commandName(args: readonly Uint8Array[]): string {
  return lookupCommand(args)?.name ?? lower(args[0] ?? new Uint8Array());
}

/** Redis's arity rule: positive means exactly, negative means at least -arity arguments. */
export function checkArity(spec: CommandSpec, argc: number): boolean {
  return spec.arity >= 0 ? argc === spec.arity : argc >= -spec.arity;
}

/** Every command and subcommand name, for bounding metric labels. */
export function commandNames(): ReadonlySet<string> {
  const names = new Set<string>();
  for (const spec of COMMANDS.values()) {
    names.add(spec.name);
    for (const sub of spec.subcommands?.values() ?? []) names.add(sub.name);
  }
  return names;
}
