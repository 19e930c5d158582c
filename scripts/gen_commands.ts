/**
 * Generates lib/commands/command_table.json from a real redis-server's `COMMAND` output: starts
 * a throwaway redis-server on a free port, asks it, and stops it. Run it with
 * `deno task gen:commands`; the JSON is checked in and never edited by hand.
 *
 * @module
 */
import { decodeReply, type Reply } from "../lib/resp/mod.ts";
import { RedisServer, sendCommands } from "../lib/redis_process/mod.ts";
import type {
  BeginSearch,
  CommandEntry,
  CommandTableFile,
  FindKeys,
  KeySpecEntry,
} from "../lib/commands/command_table_file.ts";

const OUTPUT = new URL("../lib/commands/command_table.json", import.meta.url);
const decoder = new TextDecoder();

function text(r: Reply | undefined): string {
  if (r?.type === "bulk" || r?.type === "verbatim") return decoder.decode(r.value);
  if (r?.type === "simple") return r.value;
  if (r?.type === "integer") return `${r.value}`;
  return "";
}

function int(r: Reply | undefined, what: string): number {
  if (r?.type !== "integer") throw new Error(`COMMAND: ${what} is not an integer`);
  return r.value;
}

function list(r: Reply | undefined): Reply[] {
  return r?.type === "array" || r?.type === "set" ? r.value : [];
}

/** RESP2 renders Redis's maps as flat [k1, v1, k2, v2] arrays; RESP3 as maps. */
function fields(r: Reply | undefined): Map<string, Reply> {
  const out = new Map<string, Reply>();
  if (r?.type === "map") {
    for (const [k, v] of r.value) out.set(text(k), v);
    return out;
  }
  const items = list(r);
  for (let i = 0; i + 1 < items.length; i += 2) out.set(text(items[i]), items[i + 1]);
  return out;
}

// Code-unit order, not localeCompare: the output must not depend on the machine's locale.
const byCodeUnit = (a: string, b: string): number => a < b ? -1 : a > b ? 1 : 0;

function beginSearch(r: Reply | undefined, where: string): BeginSearch {
  const f = fields(r);
  const spec = fields(f.get("spec"));
  switch (text(f.get("type"))) {
    case "index":
      return { type: "index", index: int(spec.get("index"), `${where} index`) };
    case "keyword":
      return {
        type: "keyword",
        keyword: text(spec.get("keyword")),
        startFrom: int(spec.get("startfrom"), `${where} startfrom`),
      };
    default:
      return { type: "unknown" };
  }
}

function findKeys(r: Reply | undefined, where: string): FindKeys {
  const f = fields(r);
  const spec = fields(f.get("spec"));
  switch (text(f.get("type"))) {
    case "range":
      return {
        type: "range",
        lastKey: int(spec.get("lastkey"), `${where} lastkey`),
        keyStep: int(spec.get("keystep"), `${where} keystep`),
        limit: int(spec.get("limit"), `${where} limit`),
      };
    case "keynum":
      return {
        type: "keynum",
        keyNumIdx: int(spec.get("keynumidx"), `${where} keynumidx`),
        firstKey: int(spec.get("firstkey"), `${where} firstkey`),
        keyStep: int(spec.get("keystep"), `${where} keystep`),
      };
    default:
      return { type: "unknown" };
  }
}

function keySpec(r: Reply, where: string): KeySpecEntry {
  const f = fields(r);
  return {
    flags: list(f.get("flags")).map(text).sort(byCodeUnit),
    beginSearch: beginSearch(f.get("begin_search"), where),
    findKeys: findKeys(f.get("find_keys"), where),
  };
}

/** One COMMAND reply entry, followed by its subcommands, as [name, entry] pairs. */
function entries(r: Reply): [string, CommandEntry][] {
  const [name, arity, flags, first, last, step, categories, _tips, specs, subcommands] = list(r);
  const lower = text(name).toLowerCase();
  const entry: CommandEntry = {
    arity: int(arity, `${lower} arity`),
    flags: list(flags).map(text).sort(byCodeUnit),
    firstKey: int(first, `${lower} first key`),
    lastKey: int(last, `${lower} last key`),
    step: int(step, `${lower} step`),
    categories: list(categories).map((c) => text(c).replace(/^@/, "")).sort(byCodeUnit),
    keySpecs: list(specs).map((s, i) => keySpec(s, `${lower} key spec ${i}`)),
  };
  return [[lower, entry], ...list(subcommands).flatMap(entries)];
}

async function command(server: RedisServer, args: string[]): Promise<Reply> {
  const [frame] = await sendCommands(server.hostname, server.port, [args]);
  return decodeReply(frame);
}

/** One command per line: a regenerated table then diffs one line per changed command. */
function render(table: CommandTableFile): string {
  const lines = Object.entries(table.commands).map(([name, entry]) =>
    `${JSON.stringify(name)}:${JSON.stringify(entry)}`
  );
  return [
    "{",
    `"generatedBy":${JSON.stringify(table.generatedBy)},`,
    `"redisVersion":${JSON.stringify(table.redisVersion)},`,
    `"commands":{`,
    lines.join(",\n"),
    "}}",
    "",
  ].join("\n");
}

if (import.meta.main) {
  // RedisServer runs it with --port <free port> --save '' --appendonly no in a temporary
  // directory, polls until it answers PING, and `await using` stops it even on errors.
  await using server = await RedisServer.start();
  const info = text(await command(server, ["INFO", "server"]));
  const version = info.match(/redis_version:(\S+)/)?.[1];
  if (!version) throw new Error("INFO server did not report redis_version");
  const all = list(await command(server, ["COMMAND"])).flatMap(entries);
  all.sort(([a], [b]) => byCodeUnit(a, b));
  if (!all.some(([name]) => name === "get")) throw new Error("COMMAND did not list GET");
  const table: CommandTableFile = {
    generatedBy: "scripts/gen_commands.ts (deno task gen:commands) from redis-server's COMMAND " +
      "reply; generated, do not edit by hand",
    redisVersion: version,
    commands: Object.fromEntries(all),
  };
  const json = render(table);
  JSON.parse(json); // The hand-rolled layout must still be JSON.
  await Deno.writeTextFile(OUTPUT, json);
  const subcommands = all.filter(([name]) => name.includes("|")).length;
  console.log(
    `${all.length - subcommands} commands and ${subcommands} subcommands from redis ${version}` +
      ` -> ${OUTPUT.pathname} (${json.length} bytes)`,
  );
}
