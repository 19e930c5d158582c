import assert from "node:assert/strict";
import { RedisServer, sendCommands } from "../redis_process/mod.ts";
import { decodeReply } from "../resp/mod.ts";
import { commandNames, type CommandSpec, lookupCommand } from "./command_table.ts";
import { COMMANDS_WITH_KEY_FINDERS, extractKeys } from "./key_extraction.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

// Arguments split on spaces; "''" stands for an empty argument (MIGRATE's key with KEYS).
const args = (command: string) =>
  command.split(" ").map((a) => a === "''" ? new Uint8Array() : enc.encode(a));

function spec(command: string): CommandSpec {
  const found = lookupCommand(args(command));
  assert.ok(found, command);
  return found;
}

/** "index:key" for each key found. */
function keys(command: string): string[] {
  return extractKeys(spec(command), args(command)).map((k) => `${k.index}:${dec.decode(k.key)}`);
}

// Well-formed commands: the expected keys are also what redis-server's COMMAND GETKEYS says
// (checked against a real server below).
const WELL_FORMED: [string, string[]][] = [
  ["GET k", ["1:k"]],
  ["SET k v EX 10", ["1:k"]],
  ["MGET a b c", ["1:a", "2:b", "3:c"]],
  ["MSET a 1 b 2", ["1:a", "3:b"]],
  ["DEL a b", ["1:a", "2:b"]],
  ["RENAME from to", ["1:from", "2:to"]],
  ["LMOVE src dst LEFT RIGHT", ["1:src", "2:dst"]],
  ["BLPOP a b 0", ["1:a", "2:b"]],
  ["LCS a b", ["1:a", "2:b"]],
  ["EVAL script 2 k1 k2 arg", ["3:k1", "4:k2"]],
  ["EVAL script 0 arg", []],
  ["EVALSHA sha 1 k arg", ["3:k"]],
  ["EVAL_RO s 1 k", ["3:k"]],
  ["FCALL fn 1 k arg", ["3:k"]],
  ["FCALL_RO fn 2 a b", ["3:a", "4:b"]],
  ["ZUNIONSTORE dst 2 a b WEIGHTS 1 2", ["1:dst", "3:a", "4:b"]],
  ["ZINTERSTORE dst 2 a b", ["1:dst", "3:a", "4:b"]],
  ["ZDIFFSTORE dst 2 a b", ["1:dst", "3:a", "4:b"]],
  ["ZUNION 2 a b", ["2:a", "3:b"]],
  ["ZINTER 2 a b WITHSCORES", ["2:a", "3:b"]],
  ["ZDIFF 2 a b", ["2:a", "3:b"]],
  ["ZINTERCARD 2 a b LIMIT 1", ["2:a", "3:b"]],
  ["XREAD COUNT 2 STREAMS s1 s2 0 0", ["4:s1", "5:s2"]],
  ["xread block 0 streams s 0", ["4:s"]],
  ["XREADGROUP GROUP g c STREAMS s 0", ["5:s"]],
  ["XREADGROUP GROUP g c COUNT 1 NOACK STREAMS s1 s2 0 0", ["8:s1", "9:s2"]],
  ["XREADGROUP GROUP streams c STREAMS s 0", ["5:s"]],
  ["SORT k", ["1:k"]],
  ["SORT k BY w:* STORE dst", ["1:k", "5:dst"]],
  ["sort k limit 0 1 get # store dst", ["1:k", "8:dst"]],
  ["SORT k STORE d1 STORE d2", ["1:k", "5:d2"]],
  ["SORT k BY store", ["1:k"]],
  ["SORT_RO k BY w", ["1:k"]],
  ["GEORADIUS g 0 0 10 km STORE dst", ["1:g", "7:dst"]],
  ["GEORADIUS g 0 0 10 km STOREDIST dst", ["1:g", "7:dst"]],
  ["GEORADIUSBYMEMBER g m 10 km STORE dst", ["1:g", "6:dst"]],
  ["GEORADIUS_RO g 0 0 10 km", ["1:g"]],
  ["GEOSEARCHSTORE dst src FROMMEMBER m BYRADIUS 1 km", ["1:dst", "2:src"]],
  ["LMPOP 2 a b LEFT", ["2:a", "3:b"]],
  ["ZMPOP 2 a b MIN", ["2:a", "3:b"]],
  ["BLMPOP 0 2 a b LEFT", ["3:a", "4:b"]],
  ["BZMPOP 0 2 a b MIN", ["3:a", "4:b"]],
  ["SINTERCARD 2 a b", ["2:a", "3:b"]],
  ["SINTERCARD 2 a b LIMIT 3", ["2:a", "3:b"]],
  ["OBJECT ENCODING k", ["2:k"]],
  ["MEMORY USAGE k SAMPLES 5", ["2:k"]],
  ["BITOP AND dst a b", ["2:dst", "3:a", "4:b"]],
  ["MIGRATE h 6379 k 0 1000", ["3:k"]],
  ["MIGRATE h 6379 k 0 1000 COPY REPLACE", ["3:k"]],
  ["MIGRATE h 6379 keys 0 1000", ["3:keys"]],
  ["MIGRATE h 6379 '' 0 1000 KEYS a b", ["7:a", "8:b"]],
  ["MIGRATE h 6379 '' 0 1000 AUTH keys KEYS a b", ["9:a", "10:b"]],
  ["MIGRATE h 6379 '' 0 1000 AUTH2 keys keys KEYS a", ["10:a"]],
  ["COPY a b DB 1 REPLACE", ["1:a", "2:b"]],
  ["PFMERGE d a b", ["1:d", "2:a", "3:b"]],
  ["XGROUP CREATE s g $", ["2:s"]],
  ["SUNIONSTORE d a b", ["1:d", "2:a", "3:b"]],
  ["BITFIELD k GET u8 0", ["1:k"]],
  ["WATCH a b", ["1:a", "2:b"]],
  ["PING", []],
  ["PUBLISH ch msg", []],
  ["SPUBLISH ch msg", []],
  ["CLIENT LIST", []],
];

Deno.test("extractKeys finds keys like Redis's key specs", () => {
  for (const [command, expected] of WELL_FORMED) assert.deepEqual(keys(command), expected, command);
});

Deno.test("extractKeys reports each key's spec flags", () => {
  const refs = extractKeys(spec("RENAME a b"), args("RENAME a b"));
  assert.deepEqual(refs.map((r) => [...r.flags].sort()), [
    ["RW", "access", "delete"],
    ["OW", "update"],
  ]);
  const sort = extractKeys(spec("SORT k STORE d"), args("SORT k STORE d"));
  assert.deepEqual(sort.map((r) => [...r.flags].sort()), [["RO", "access"], ["OW", "update"]]);
  const migrate = args("MIGRATE h 1 '' 0 1 KEYS a");
  assert.ok(extractKeys(spec("MIGRATE"), migrate)[0].flags.has("delete"));
});

Deno.test("extractKeys returns what it can from malformed arguments", () => {
  const cases: [string, string[]][] = [
    ["EVAL script 5 onlyone", ["3:onlyone"]],
    ["EVAL script notanumber k", []],
    ["EVAL script -1 k", []],
    ["EVAL script 01 k", [], "Redis refuses 01 as numkeys"],
    ["EVAL script +1 k", []],
    ["EVAL script 99999999999999999999999 k", ["3:k"]],
    ["EVAL script", []],
    ["ZUNIONSTORE dst 99 a", ["1:dst", "3:a"]],
    ["ZUNIONSTORE dst", ["1:dst"]],
    ["XREAD STREAMS", []],
    ["XREAD STREAMS a b c", ["2:a"]],
    ["XREAD COUNT 1", []],
    ["SORT k STORE", ["1:k"]],
    ["SORT k LIMIT 0", ["1:k"]],
    ["MIGRATE h 6379 k 0 1000 KEYS a", [], "Redis refuses KEYS with a key"],
    ["MIGRATE h 6379 '' 0 1000 KEYS", []],
    ["GEORADIUS g 0 0 10 km STORE", ["1:g"]],
    ["LMPOP 0 a", []],
    ["GET", []],
    ["OBJECT ENCODING", []],
    ["MSET a", ["1:a"]],
  ].map(([command, expected]) => [command as string, expected as string[]]);
  for (const [command, expected] of cases) assert.deepEqual(keys(command), expected, command);
});

Deno.test("extractKeys never throws or reads past the arguments of any command", () => {
  const tails = [
    [],
    ["k"],
    ["2", "a", "b"],
    ["99", "a"],
    ["a", "STREAMS", "s", "0"],
    ["x", "STORE", "d", "STOREDIST", "e", "KEYS", "k"],
    ["1", "1", "1", "1", "1", "1", "1", "1", "1"],
    ["-3", "KEYS"],
  ];
  for (const name of commandNames()) {
    const words = name.split("|");
    for (const tail of tails) {
      const argv = [...words, ...tail].map((a) => enc.encode(a));
      const found = lookupCommand(argv);
      assert.equal(found?.name, name);
      for (const ref of extractKeys(found, argv)) {
        const where = `${[...words, ...tail].join(" ")}: ${ref.index}`;
        assert.ok(ref.index >= 1 && ref.index < argv.length, where);
        assert.equal(ref.key, argv[ref.index], where);
      }
    }
  }
});

Deno.test("every command with unknown or incomplete key specs has its own key finder", () => {
  const needFinders = [...commandNames()].filter((name) =>
    spec(name.replace("|", " ")).keySpecs.some((k) =>
      k.flags.includes("incomplete") || k.beginSearch.type === "unknown" ||
      k.findKeys.type === "unknown"
    )
  );
  assert.deepEqual(needFinders.sort(), [...COMMANDS_WITH_KEY_FINDERS].sort());
});

// Starts a redis-server: skipped under a plain `deno test` without the permissions that takes.
const canRunRedis = (["run", "net", "write"] as const).every((name) =>
  Deno.permissions.querySync({ name }).state === "granted"
);

async function getKeys(server: RedisServer, argv: Uint8Array[]): Promise<string[]> {
  const [frame] = await sendCommands(server.hostname, server.port, [[
    "COMMAND",
    "GETKEYS",
    ...argv,
  ]]);
  const reply = decodeReply(frame);
  if (reply.type !== "array") return []; // "The command has no key arguments"
  return reply.value.map((r) => r.type === "bulk" ? dec.decode(r.value) : "?");
}

Deno.test({
  name: "extractKeys agrees with redis-server's COMMAND GETKEYS",
  ignore: !canRunRedis,
}, async () => {
  await using server = await RedisServer.start();
  for (const [command] of WELL_FORMED) {
    const expected = await getKeys(server, args(command));
    const ours = extractKeys(spec(command), args(command)).map((k) => dec.decode(k.key));
    assert.deepEqual(ours.sort(), expected.sort(), command);
  }
});
