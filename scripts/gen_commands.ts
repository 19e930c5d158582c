/**
 * Generates lib/commands/command_table.json from a real redis-server's COMMAND output.
 * Run with `deno task gen:commands`; the JSON is checked in and never edited by hand.
 */
import { decodeReply, encodeCommand, type Reply, ReplyScanner } from "../lib/resp/mod.ts";
import { RedisServer } from "../lib/redis_process/mod.ts";
import type {
  CommandEntry,
  CommandTableFile,
  KeySpecEntry,
} from "../lib/commands/command_table.ts";

const text = (r: Reply | undefined): string => {
  if (!r) return "";
  if (r.type === "bulk" || r.type === "verbatim") return new TextDecoder().decode(r.value);
  if (r.type === "simple") return r.value;
  if (r.type === "integer") return `${r.value}`;
  return "";
};
const num = (r: Reply | undefined): number => (r?.type === "integer" ? r.value : 0);
const list = (r: Reply | undefined): Reply[] =>
  r?.type === "array" || r?.type === "set" ? r.value : [];

/** A flat [k1, v1, k2, v2] array (RESP2 rendering of a map) as a Map. */
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

function keySpec(r: Reply): KeySpecEntry {
  const f = fields(r);
  const begin = fields(f.get("begin_search"));
  const beginSpec = fields(begin.get("spec"));
  const find = fields(f.get("find_keys"));
  const findSpec = fields(find.get("spec"));
  const beginType = text(begin.get("type"));
  const findType = text(find.get("type"));
  return {
    flags: list(f.get("flags")).map(text),
    begin: beginType === "index"
      ? { index: num(beginSpec.get("index")) }
      : beginType === "keyword"
      ? { keyword: text(beginSpec.get("keyword")), startFrom: num(beginSpec.get("startfrom")) }
      : {},
    find: findType === "range"
      ? {
        lastKey: num(findSpec.get("lastkey")),
        keyStep: num(findSpec.get("keystep")),
        limit: num(findSpec.get("limit")),
      }
      : findType === "keynum"
      ? {
        keyNumIdx: num(findSpec.get("keynumidx")),
        firstKey: num(findSpec.get("firstkey")),
        keyStep: num(findSpec.get("keystep")),
      }
      : {},
  };
}

function entry(r: Reply): [string, CommandEntry] {
  const [name, arity, flags, first, last, step, categories, _tips, specs, subcommands] = list(r);
  const subs = list(subcommands).map(entry).sort(([a], [b]) => a.localeCompare(b));
  const value: CommandEntry = {
    arity: num(arity),
    flags: list(flags).map(text).sort(),
    keys: [num(first), num(last), num(step)],
    categories: list(categories).map((c) => text(c).replace(/^@/, "")).sort(),
    keySpecs: list(specs).map(keySpec),
  };
  if (subs.length > 0) value.subcommands = Object.fromEntries(subs);
  return [text(name).toLowerCase(), value];
}

async function command(server: RedisServer, args: string[]): Promise<Reply> {
  const conn = await Deno.connect({ hostname: server.hostname, port: server.port });
  try {
    await conn.write(encodeCommand(args));
    const scanner = new ReplyScanner();
    const buffer = new Uint8Array(1 << 20);
    while (true) {
      const n = await conn.read(buffer);
      if (n === null) throw new Error("redis-server closed the connection");
      const [frame] = scanner.push(buffer.slice(0, n));
      if (frame) return decodeReply(frame);
    }
  } finally {
    conn.close();
  }
}

if (import.meta.main) {
  await using server = await RedisServer.start();
  const info = text(await command(server, ["INFO", "server"]));
  const version = info.match(/redis_version:(\S+)/)?.[1] ?? "unknown";
  const commands = list(await command(server, ["COMMAND"])).map(entry);
  commands.sort(([a], [b]) => a.localeCompare(b));
  const table: CommandTableFile = {
    generatedBy: "scripts/gen_commands.ts (deno task gen:commands); do not edit",
    redisVersion: version,
    commands: Object.fromEntries(commands),
  };
  const out = new URL("../lib/commands/command_table.json", import.meta.url);
  await Deno.writeTextFile(out, JSON.stringify(table) + "\n");
  console.log(`${commands.length} commands from redis ${version} -> ${out.pathname}`);
}
