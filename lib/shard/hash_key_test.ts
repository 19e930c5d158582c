import assert from "node:assert/strict";
import { hashTag, takeHashOverride } from "./hash_key.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const bytes = (...args: string[]) => args.map((a) => encoder.encode(a));
const text = (args: Uint8Array[]) => args.map((a) => decoder.decode(a));

Deno.test("hashTag is the first non-empty {...}, else the key", () => {
  const tag = (key: string) => decoder.decode(hashTag(encoder.encode(key)));
  assert.equal(tag("{user1}:name"), "user1");
  assert.equal(tag("a{b}{c}"), "b");
  assert.equal(tag("{}x"), "{}x");
  assert.equal(tag("{x"), "{x");
  assert.equal(tag("x}{y}"), "y");
  assert.equal(tag("plain"), "plain");
});

Deno.test("hash=KEY as last argument is taken off and chooses the node", () => {
  const over = takeHashOverride(bytes("GET", "k", "hash=other"));
  assert.deepEqual(text(over.args), ["GET", "k"]);
  assert.equal(decoder.decode(over.key), "other");
  assert.equal(decoder.decode(takeHashOverride(bytes("DBSIZE", "hash=")).key), "");
});

Deno.test("hash==x is the value hash=x, and nothing else is touched", () => {
  const escaped = takeHashOverride(bytes("SET", "k", "hash==x"));
  assert.deepEqual(text(escaped.args), ["SET", "k", "hash=x"]);
  assert.equal(escaped.key, undefined);
  assert.deepEqual(text(takeHashOverride(bytes("SET", "k", "hash===")).args), [
    "SET",
    "k",
    "hash==",
  ]);
  for (const args of [["SET", "k", "HASH=x"], ["SET", "hash=k", "v"], ["hash=x"], ["GET", "k"]]) {
    const same = takeHashOverride(bytes(...args));
    assert.deepEqual(text(same.args), args);
    assert.equal(same.key, undefined);
  }
});
