import assert from "node:assert/strict";
import { KeyPatterns } from "./key_patterns.ts";

const key = (text: string) => new TextEncoder().encode(text);

Deno.test("KeyPatterns matches Redis globs on the key's bytes", () => {
  const patterns = new KeyPatterns(["app:*", "user:?", "[ab]:x"]);
  assert.ok(patterns.matches(key("app:1")));
  assert.ok(patterns.matches(key("app:")));
  assert.ok(patterns.matches(key("user:7")));
  assert.ok(!patterns.matches(key("user:77")));
  assert.ok(patterns.matches(key("b:x")));
  assert.ok(!patterns.matches(key("c:x")));
  assert.ok(!patterns.matches(key("xapp:1")));
  // `?` is one byte, as in Redis: a two-byte character needs two.
  assert.ok(!patterns.matches(key("user:é")));
  assert.ok(new KeyPatterns(["user:??"]).matches(key("user:é")));
  assert.ok(patterns.matches(new Uint8Array([...key("app:"), 0xff, 0x00])));
});

Deno.test("KeyPatterns: * and allkeys admit every key, no pattern admits none", () => {
  assert.ok(new KeyPatterns(["*"]).allKeys);
  assert.ok(new KeyPatterns(["allkeys"]).matches(key("anything")));
  assert.ok(!new KeyPatterns([]).matches(key("anything")));
  assert.ok(!new KeyPatterns([]).allKeys);
});

Deno.test("KeyPatterns: plain keys and prefixes match exactly as globs would", () => {
  const patterns = new KeyPatterns(["exact", "pre:*", "a*b"]);
  assert.ok(patterns.matches(key("exact")));
  assert.ok(!patterns.matches(key("exact2")));
  assert.ok(!patterns.matches(key("exac")));
  assert.ok(patterns.matches(key("pre:")));
  assert.ok(patterns.matches(key("pre:x:y")));
  assert.ok(!patterns.matches(key("pre")));
  assert.ok(patterns.matches(key("a--b")));
  assert.ok(!patterns.matches(key("a--bc")));
  assert.ok(new KeyPatterns(["esc\\*"]).matches(key("esc*")));
  assert.ok(!new KeyPatterns(["esc\\*"]).matches(key("escX")));
});
