/**
 * The format of command_table.json, shared by its writer (scripts/gen_commands.ts) and its
 * reader (command_table.ts). It lives apart from command_table.ts so that the generator does not
 * load the JSON it is about to replace.
 *
 * @module
 */

/** Where a key spec's search for keys begins (Redis 7 `begin_search`). */
export type BeginSearch =
  | { type: "index"; index: number }
  | { type: "keyword"; keyword: string; startFrom: number }
  | { type: "unknown" };

/** How a key spec finds its keys from where the search began (Redis 7 `find_keys`). */
export type FindKeys =
  | { type: "range"; lastKey: number; keyStep: number; limit: number }
  | { type: "keynum"; keyNumIdx: number; firstKey: number; keyStep: number }
  | { type: "unknown" };

/** One key spec as stored in command_table.json (keywords as Redis spells them). */
export interface KeySpecEntry {
  flags: string[];
  beginSearch: BeginSearch;
  findKeys: FindKeys;
}

/** One command or subcommand as stored in command_table.json. */
export interface CommandEntry {
  arity: number;
  flags: string[];
  firstKey: number;
  lastKey: number;
  step: number;
  categories: string[];
  keySpecs: KeySpecEntry[];
}

/**
 * The whole of command_table.json. `commands` is flat and sorted by name: subcommands are keyed
 * "parent|sub" next to their parent, so a regenerated table diffs one line per command.
 */
export interface CommandTableFile {
  generatedBy: string;
  redisVersion: string;
  commands: Record<string, CommandEntry>;
}

class TableFormatError extends Error {
  constructor(where: string, what: string) {
    super(`command_table.json: ${where}: ${what} (regenerate it with deno task gen:commands)`);
  }
}

function record(value: unknown, where: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new TableFormatError(where, "expected an object");
  }
  return value as Record<string, unknown>;
}

function integer(value: unknown, where: string): number {
  if (!Number.isInteger(value)) throw new TableFormatError(where, "expected an integer");
  return value as number;
}

function string(value: unknown, where: string): string {
  if (typeof value !== "string") throw new TableFormatError(where, "expected a string");
  return value;
}

function strings(value: unknown, where: string): string[] {
  if (!Array.isArray(value)) throw new TableFormatError(where, "expected an array");
  return value.map((item, i) => string(item, `${where}[${i}]`));
}

function beginSearch(value: unknown, where: string): BeginSearch {
  const o = record(value, where);
  switch (o.type) {
    case "index":
      return { type: "index", index: integer(o.index, `${where}.index`) };
    case "keyword":
      return {
        type: "keyword",
        keyword: string(o.keyword, `${where}.keyword`),
        startFrom: integer(o.startFrom, `${where}.startFrom`),
      };
    case "unknown":
      return { type: "unknown" };
  }
  throw new TableFormatError(where, `unexpected type ${o.type}`);
}

function findKeys(value: unknown, where: string): FindKeys {
  const o = record(value, where);
  switch (o.type) {
    case "range":
      return {
        type: "range",
        lastKey: integer(o.lastKey, `${where}.lastKey`),
        keyStep: integer(o.keyStep, `${where}.keyStep`),
        limit: integer(o.limit, `${where}.limit`),
      };
    case "keynum":
      return {
        type: "keynum",
        keyNumIdx: integer(o.keyNumIdx, `${where}.keyNumIdx`),
        firstKey: integer(o.firstKey, `${where}.firstKey`),
        keyStep: integer(o.keyStep, `${where}.keyStep`),
      };
    case "unknown":
      return { type: "unknown" };
  }
  throw new TableFormatError(where, `unexpected type ${o.type}`);
}

function commandEntry(value: unknown, where: string): CommandEntry {
  const o = record(value, where);
  if (!Array.isArray(o.keySpecs)) throw new TableFormatError(`${where}.keySpecs`, "not an array");
  return {
    arity: integer(o.arity, `${where}.arity`),
    flags: strings(o.flags, `${where}.flags`),
    firstKey: integer(o.firstKey, `${where}.firstKey`),
    lastKey: integer(o.lastKey, `${where}.lastKey`),
    step: integer(o.step, `${where}.step`),
    categories: strings(o.categories, `${where}.categories`),
    keySpecs: o.keySpecs.map((spec: unknown, i) => {
      const s = record(spec, `${where}.keySpecs[${i}]`);
      return {
        flags: strings(s.flags, `${where}.keySpecs[${i}].flags`),
        beginSearch: beginSearch(s.beginSearch, `${where}.keySpecs[${i}].beginSearch`),
        findKeys: findKeys(s.findKeys, `${where}.keySpecs[${i}].findKeys`),
      };
    }),
  };
}

/**
 * Checks parsed command_table.json against {@linkcode CommandTableFile}, so that a stale or
 * damaged table fails loudly at startup rather than misclassifying commands.
 *
 * @example
 * ```ts
 * const file = parseCommandTable({ generatedBy: "x", redisVersion: "7.0.15", commands: {} });
 * console.assert(file.redisVersion === "7.0.15");
 * ```
 */
export function parseCommandTable(json: unknown): CommandTableFile {
  const o = record(json, "top level");
  const commands: Record<string, CommandEntry> = {};
  for (const [name, entry] of Object.entries(record(o.commands, "commands"))) {
    commands[name] = commandEntry(entry, `commands.${name}`);
  }
  return {
    generatedBy: string(o.generatedBy, "generatedBy"),
    redisVersion: string(o.redisVersion, "redisVersion"),
    commands,
  };
}
