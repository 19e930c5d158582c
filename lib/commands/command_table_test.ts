import assert from "node:assert/strict";
import table from "./command_table.json" with { type: "json" };
import {
  checkArity,
  COMMAND_TABLE_REDIS_VERSION,
  commandName,
  commandNames,
  type CommandSpec,
  lookupCommand,
} from "./command_table.ts";
import { parseCommandTable } from "./command_table_file.ts";

const enc = new TextEncoder();
const args = (command: string) => command.split(" ").map((a) => enc.encode(a));

function lookup(command: string): CommandSpec {
  const spec = lookupCommand(args(command));
  assert.ok(spec, command);
  return spec;
}

Deno.test("command_table.json is generated, sorted and complete", () => {
  const file = parseCommandTable(table);
  assert.match(file.generatedBy, /scripts\/gen_commands\.ts.*do not edit/);
  assert.match(COMMAND_TABLE_REDIS_VERSION, /^\d+\.\d+\.\d+/);
  const names = Object.keys(file.commands);
  assert.deepEqual(names, [...names].sort((a, b) => a < b ? -1 : a > b ? 1 : 0));
  for (const name of names) assert.match(name, /^[a-z0-9_-]+(\|[a-z0-9_-]+)?$/, name);
  assert.ok(names.length > 300, "commands and subcommands");
  assert.deepEqual(new Set(names), commandNames());
});

Deno.test("parseCommandTable rejects a damaged table", () => {
  const good = { generatedBy: "g", redisVersion: "7", commands: {} };
  assert.deepEqual(parseCommandTable(good).commands, {});
  assert.throws(() => parseCommandTable({ ...good, redisVersion: 7 }), /redisVersion/);
  const spec = {
    flags: ["RO"],
    beginSearch: { type: "nowhere" },
    findKeys: { type: "unknown" },
  };
  const get = { arity: 2, flags: [], firstKey: 1, lastKey: 1, step: 1, categories: [] };
  assert.throws(
    () => parseCommandTable({ ...good, commands: { get: { ...get, keySpecs: [spec] } } }),
    /commands\.get\.keySpecs\[0\]\.beginSearch: unexpected type nowhere/,
  );
  assert.throws(() => parseCommandTable({ ...good, commands: { get } }), /keySpecs/);
});

Deno.test("lookupCommand is case-insensitive", () => {
  for (const command of ["get k", "GET k", "gEt k"]) assert.equal(lookup(command).name, "get");
  assert.equal(lookup("ZRANGEBYSCORE k 0 1").name, "zrangebyscore");
  assert.equal(lookup("GeoRadius_Ro k 0 0 1 km").name, "georadius_ro");
});

Deno.test("lookupCommand resolves subcommands", () => {
  const cases: [string, string][] = [
    ["CONFIG GET maxmemory", "config|get"],
    ["config Set x y", "config|set"],
    ["OBJECT ENCODING k", "object|encoding"],
    ["object freq k", "object|freq"],
    ["MEMORY USAGE k", "memory|usage"],
    ["CLIENT LIST", "client|list"],
    ["XINFO STREAM s", "xinfo|stream"],
    ["CONFIG", "config"],
    ["CONFIG NOSUCHSUB", "config"],
    ["GET config", "get"],
  ];
  for (const [command, name] of cases) assert.equal(lookup(command).name, name, command);
});

Deno.test("lookupCommand misses unknown commands without throwing", () => {
  assert.equal(lookupCommand([]), undefined);
  for (const command of ["NOSUCH", "", "GETS k", "GE", "G\u00c9T", "x".repeat(10_000)]) {
    assert.equal(lookupCommand(args(command)), undefined, command.slice(0, 20));
  }
});

Deno.test("specs carry Redis's flags, categories, positions and key specs", () => {
  const get = lookup("GET k");
  assert.equal(get.arity, 2);
  assert.ok(get.flags.has("readonly") && get.flags.has("fast"));
  assert.ok(get.categories.has("string") && get.categories.has("read"));
  assert.ok(![...get.categories].some((c) => c.startsWith("@")));
  assert.deepEqual([get.firstKey, get.lastKey, get.step], [1, 1, 1]);
  assert.deepEqual(get.keySpecs, [{
    flags: ["RO", "access"],
    beginSearch: { type: "index", index: 1 },
    findKeys: { type: "range", lastKey: 0, keyStep: 1, limit: 0 },
  }]);
  assert.equal(get.subcommands, undefined);

  assert.ok(lookup("BLPOP k 0").flags.has("blocking"));
  assert.ok(lookup("AUTH p").flags.has("no_auth"));
  assert.ok(lookup("MSET a 1").flags.has("denyoom"));

  const xread = lookup("XREAD STREAMS s 0");
  assert.deepEqual(xread.keySpecs[0].beginSearch, {
    type: "keyword",
    keyword: "streams",
    startFrom: 1,
  });
  assert.deepEqual(xread.keySpecs[0].findKeys, {
    type: "range",
    lastKey: -1,
    keyStep: 1,
    limit: 2,
  });
  assert.deepEqual(lookup("EVAL s 0").keySpecs[0].findKeys, {
    type: "keynum",
    keyNumIdx: 0,
    firstKey: 1,
    keyStep: 1,
  });
  assert.deepEqual(lookup("SORT k").keySpecs[2].beginSearch, { type: "unknown" });

  const config = lookup("CONFIG");
  assert.equal(config.subcommands?.get("get")?.name, "config|get");
  assert.equal(config.subcommands?.get("get"), lookup("CONFIG GET x"));
});

Deno.test("commandName is lower-case, with the subcommand when known", () => {
  const cases: [string[], string][] = [
    [["GET", "k"], "get"],
    [["Config", "GET", "x"], "config|get"],
    [["CONFIG", "nosuch"], "config"],
    [["NoSuch_Cmd", "a"], "nosuch_cmd"],
    [[], ""],
  ];
  for (const [command, name] of cases) {
    assert.equal(commandName(command.map((a) => enc.encode(a))), name, command.join(" "));
  }
});

Deno.test("checkArity follows Redis: positive exact, negative at least", () => {
  const get = lookup("GET");
  assert.deepEqual([1, 2, 3].map((n) => checkArity(get, n)), [false, true, false]);
  const set = lookup("SET");
  assert.equal(set.arity, -3);
  assert.deepEqual([2, 3, 4, 9].map((n) => checkArity(set, n)), [false, true, true, true]);
  const configGet = lookup("CONFIG GET");
  assert.equal(configGet.arity, -3, "subcommand arity counts the command name too");
  assert.ok(!checkArity(configGet, 2) && checkArity(configGet, 3));
  const ping = lookup("PING");
  assert.ok(checkArity(ping, 1) && checkArity(ping, 2));
});
