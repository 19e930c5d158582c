import assert from "node:assert/strict";
import { extractKeys, lookupCommand } from "../commands/mod.ts";
import { decodeReply, encodeArray, encodeBulk, encodeInteger, OK } from "../resp/mod.ts";
import { joinReplies, splitCommand } from "./split_join.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function split(shardOf: (key: string) => number, ...words: string[]) {
  const args = words.map((w) => encoder.encode(w));
  const spec = lookupCommand(args)!;
  const keys = extractKeys(spec, args);
  const parts = splitCommand(
    spec.name,
    args,
    keys,
    keys.map((k) => shardOf(decoder.decode(k.key))),
  );
  return { name: spec.name, parts };
}

const byFirstLetter = (key: string) => key.charCodeAt(0) % 2;

Deno.test("MSET is cut per shard with its values", () => {
  const { parts } = split(byFirstLetter, "MSET", "a1", "x", "b1", "y", "a2", "z");
  assert.deepEqual(
    parts?.map((p) => p.args.map((a) => decoder.decode(a))),
    [["MSET", "a1", "x", "a2", "z"], ["MSET", "b1", "y"]],
  );
});

Deno.test("MGET's parts are joined back in key order", () => {
  const { name, parts } = split(byFirstLetter, "MGET", "a1", "b1", "a2", "b2");
  const replies = [
    encodeArray([encodeBulk("A1"), encodeBulk("A2")]),
    encodeArray([encodeBulk("B1"), new TextEncoder().encode("$-1\r\n")]),
  ];
  const joined = decodeReply(joinReplies(name, parts!, replies, 2));
  assert.equal(joined.type, "array");
  assert.deepEqual(
    joined.type === "array"
      ? joined.value.map((r) => r.type === "bulk" ? decoder.decode(r.value) : null)
      : [],
    ["A1", "B1", "A2", null],
  );
});

Deno.test("counts are summed, OK is OK, and the first error wins", () => {
  const del = split(byFirstLetter, "DEL", "a", "b", "c");
  assert.deepEqual(
    joinReplies(del.name, del.parts!, [encodeInteger(2), encodeInteger(1)], 2),
    encodeInteger(3),
  );
  const mset = split(byFirstLetter, "MSET", "a", "1", "b", "2");
  assert.deepEqual(joinReplies(mset.name, mset.parts!, [OK, OK], 2), OK);
  const error = encoder.encode("-OOM no\r\n");
  assert.deepEqual(joinReplies(mset.name, mset.parts!, [OK, error], 2), error);
  assert.equal(split(byFirstLetter, "RENAME", "a", "b").parts, undefined);
});
