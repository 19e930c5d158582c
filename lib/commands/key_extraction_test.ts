import assert from "node:assert/strict";
import { lookupCommand } from "./command_table.ts";
import { extractKeys } from "./key_extraction.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

function keys(command: string): string[] {
  const args = command.split(" ").map((a) => enc.encode(a));
  const spec = lookupCommand(args);
  assert.ok(spec, command);
  return extractKeys(spec, args).map((k) => dec.decode(k.key));
}

Deno.test("extractKeys finds keys like Redis's key specs", () => {
  const cases: [string, string[]][] = [
    ["GET k", ["k"]],
    ["MGET a b c", ["a", "b", "c"]],
    ["MSET a 1 b 2", ["a", "b"]],
    ["DEL a b", ["a", "b"]],
    ["RENAME from to", ["from", "to"]],
    ["LMOVE src dst LEFT RIGHT", ["src", "dst"]],
    ["EVAL script 2 k1 k2 arg", ["k1", "k2"]],
    ["EVAL script 0 arg", []],
    ["FCALL fn 1 k arg", ["k"]],
    ["ZUNIONSTORE dst 2 a b WEIGHTS 1 2", ["dst", "a", "b"]],
    ["ZUNION 2 a b", ["a", "b"]],
    ["XREAD COUNT 2 STREAMS s1 s2 0 0", ["s1", "s2"]],
    ["XREADGROUP GROUP g c STREAMS s 0", ["s"]],
    ["SORT k BY w:* STORE dst", ["k", "dst"]],
    ["GEORADIUS g 0 0 10 km STORE dst", ["g", "dst"]],
    ["LMPOP 2 a b LEFT", ["a", "b"]],
    ["BLMPOP 0 2 a b LEFT", ["a", "b"]],
    ["SINTERCARD 2 a b", ["a", "b"]],
    ["OBJECT ENCODING k", ["k"]],
    ["MEMORY USAGE k", ["k"]],
    ["BITOP AND dst a b", ["dst", "a", "b"]],
    ["MIGRATE h 6379 k 0 1000", ["k"]],
    ["PING", []],
  ];
  for (const [command, expected] of cases) assert.deepEqual(keys(command), expected, command);
});

Deno.test("extractKeys never reads past malformed arguments", () => {
  assert.deepEqual(keys("EVAL script 5 onlyone"), ["onlyone"]);
  assert.deepEqual(keys("EVAL script notanumber k"), []);
  assert.deepEqual(keys("XREAD STREAMS"), []);
  assert.deepEqual(keys("ZUNIONSTORE dst 99 a"), ["dst", "a"]);
});

Deno.test("lookupCommand is case-insensitive and knows subcommands", () => {
  const args = (s: string) => s.split(" ").map((a) => enc.encode(a));
  assert.equal(lookupCommand(args("gEt k"))?.name, "get");
  assert.equal(lookupCommand(args("CONFIG get maxmemory"))?.name, "config|get");
  assert.equal(lookupCommand(args("nosuch"))?.name, undefined);
});
