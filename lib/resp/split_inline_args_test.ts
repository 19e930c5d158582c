import assert from "node:assert/strict";
import { ProtocolError } from "./protocol_error.ts";
import { splitInlineArgs } from "./split_inline_args.ts";

const latin1 = new TextDecoder("latin1");
const bytes = (text: string) => Uint8Array.from(text, (c) => c.charCodeAt(0));
const split = (text: string) => splitInlineArgs(bytes(text)).map((arg) => latin1.decode(arg));

// Expected values were checked against redis-server 7.0 (unknown-command replies echo args).
Deno.test("splitInlineArgs splits on blanks", () => {
  assert.deepEqual(split("SET key value"), ["SET", "key", "value"]);
  assert.deepEqual(split("  GET \t key  "), ["GET", "key"]);
  assert.deepEqual(split(""), []);
  assert.deepEqual(split(" \t "), []);
  // \v and \f are skipped between arguments but do not end an unquoted one.
  assert.deepEqual(split("\vGET a\vb\fc"), ["GET", "a\vb\fc"]);
});

Deno.test("splitInlineArgs handles double quotes and their escapes", () => {
  assert.deepEqual(split(`set "a b" 'c\\'d' "\\x41"`), ["set", "a b", "c'd", "A"]);
  assert.deepEqual(split(`x "\\n\\r\\t\\b\\a\\\\\\"\\q"`), ["x", '\n\r\t\b\x07\\"q']);
  assert.deepEqual(split(`x "\\x4a" "\\x4" "\\xZZ" "\\xff"`), ["x", "J", "x4", "xZZ", "\xff"]);
  assert.deepEqual(split(`x "" ''`), ["x", "", ""]);
  assert.deepEqual(split(`x "a"\tb`), ["x", "a", "b"]);
  assert.deepEqual(split(`x "a"\vb`), ["x", "a", "b"], "any isspace() may follow a quote");
});

Deno.test("splitInlineArgs handles single quotes", () => {
  assert.deepEqual(split(`x 'a\\\\b' 'x\\y' 'it\\'s'`), ["x", "a\\\\b", "x\\y", "it's"]);
  assert.deepEqual(split(`x '"'`), ["x", '"']);
});

Deno.test("splitInlineArgs lets quotes start inside an argument", () => {
  assert.deepEqual(split(`x a"b c" d`), ["x", "ab c", "d"]);
  assert.deepEqual(split(`x a'b c'`), ["x", "ab c"]);
});

Deno.test("splitInlineArgs stops at NUL like a C string", () => {
  assert.deepEqual(split("x a\0b c"), ["x", "a"]);
});

Deno.test("splitInlineArgs rejects unbalanced quotes", () => {
  for (const line of [`x "abc`, `x 'abc`, `x "a"b`, `x 'a'b`, `x "a\\"`, `x "\\`]) {
    assert.throws(() => splitInlineArgs(bytes(line)), (error: unknown) => {
      assert.ok(error instanceof ProtocolError);
      assert.equal(error.message, "Protocol error: unbalanced quotes in request");
      return true;
    }, line);
  }
});

Deno.test("splitInlineArgs returns independent copies", () => {
  const line = bytes("GET key");
  const [name, key] = splitInlineArgs(line);
  line.fill(0);
  assert.equal(latin1.decode(name), "GET");
  assert.equal(latin1.decode(key), "key");
});
