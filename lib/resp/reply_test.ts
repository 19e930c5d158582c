import assert from "node:assert/strict";
import { ProtocolError } from "./protocol_error.ts";
import {
  decodeReply,
  errorMessage,
  integerValue,
  isErrorFrame,
  type Reply,
  scanReplyParts,
} from "./reply.ts";

const encode = (text: string) => new TextEncoder().encode(text);
const decode = (text: string) => decodeReply(encode(text));
const bulk = (text: string): Reply => ({ type: "bulk", value: encode(text) });
const simple = (value: string): Reply => ({ type: "simple", value });
const int = (value: number): Reply => ({ type: "integer", value });

Deno.test("decodeReply decodes RESP2 types", () => {
  assert.deepEqual(decode("+OK\r\n"), simple("OK"));
  assert.deepEqual(decode("+\r\n"), simple(""));
  assert.deepEqual(decode("-BUSYKEY Target key name already exists.\r\n"), {
    type: "error",
    message: "BUSYKEY Target key name already exists.",
  });
  assert.deepEqual(decode(":7\r\n"), int(7));
  assert.deepEqual(decode(":-7\r\n"), int(-7));
  assert.deepEqual(decode(":9007199254740991\r\n"), int(Number.MAX_SAFE_INTEGER));
  assert.deepEqual(decode(":9007199254740993\r\n"), { type: "bignum", value: 9007199254740993n });
  assert.deepEqual(decode(":-9223372036854775808\r\n"), {
    type: "bignum",
    value: -9223372036854775808n,
  });
  assert.deepEqual(decode("$5\r\nhello\r\n"), bulk("hello"));
  assert.deepEqual(decode("$4\r\na\r\nb\r\n"), bulk("a\r\nb"));
  assert.deepEqual(decode("$0\r\n\r\n"), bulk(""));
  assert.deepEqual(decode("$-1\r\n"), { type: "null" });
  assert.deepEqual(decode("*-1\r\n"), { type: "null" });
  assert.deepEqual(decode("*0\r\n"), { type: "array", value: [] });
  assert.deepEqual(decode("*3\r\n:1\r\n*1\r\n$1\r\nx\r\n$-1\r\n"), {
    type: "array",
    value: [int(1), { type: "array", value: [bulk("x")] }, { type: "null" }],
  });
});

Deno.test("decodeReply decodes RESP3 types", () => {
  assert.deepEqual(decode("_\r\n"), { type: "null" });
  assert.deepEqual(decode(",3.141\r\n"), { type: "double", value: 3.141 });
  assert.deepEqual(decode(",-1.5e-3\r\n"), { type: "double", value: -0.0015 });
  assert.deepEqual(decode(",10\r\n"), { type: "double", value: 10 });
  assert.deepEqual(decode(",inf\r\n"), { type: "double", value: Infinity });
  assert.deepEqual(decode(",-inf\r\n"), { type: "double", value: -Infinity });
  assert.ok(Number.isNaN((decode(",nan\r\n") as { value: number }).value));
  assert.deepEqual(decode("#t\r\n"), { type: "boolean", value: true });
  assert.deepEqual(decode("#f\r\n"), { type: "boolean", value: false });
  assert.deepEqual(decode("!21\r\nSYNTAX invalid syntax\r\n"), {
    type: "error",
    message: "SYNTAX invalid syntax",
  });
  assert.deepEqual(decode("=15\r\ntxt:Some string\r\n"), {
    type: "verbatim",
    format: "txt",
    value: encode("Some string"),
  });
  assert.deepEqual(decode("(3492890328409238509324850943850943825024385\r\n"), {
    type: "bignum",
    value: 3492890328409238509324850943850943825024385n,
  });
  assert.deepEqual(decode("(-12\r\n"), { type: "bignum", value: -12n });
  assert.deepEqual(decode("~2\r\n+a\r\n:1\r\n"), { type: "set", value: [simple("a"), int(1)] });
  assert.deepEqual(decode(">2\r\n+message\r\n$2\r\nhi\r\n"), {
    type: "push",
    value: [simple("message"), bulk("hi")],
  });
  assert.deepEqual(decode("%0\r\n"), { type: "map", value: [] });
});

Deno.test("decodeReply decodes nested maps and attributes", () => {
  assert.deepEqual(decode("%2\r\n+a\r\n%1\r\n+b\r\n~1\r\n_\r\n:1\r\n*0\r\n"), {
    type: "map",
    value: [
      [simple("a"), {
        type: "map",
        value: [[simple("b"), { type: "set", value: [{ type: "null" }] }]],
      }],
      [int(1), { type: "array", value: [] }],
    ],
  });
  assert.deepEqual(
    decode("|1\r\n+key-popularity\r\n%1\r\n$1\r\na\r\n,0.19\r\n*2\r\n:1\r\n:2\r\n"),
    {
      type: "attribute",
      attributes: [[simple("key-popularity"), {
        type: "map",
        value: [[bulk("a"), { type: "double", value: 0.19 }]],
      }]],
      value: { type: "array", value: [int(1), int(2)] },
    },
  );
  assert.deepEqual(decode("*2\r\n|1\r\n+ttl\r\n:5\r\n$1\r\nx\r\n:3\r\n"), {
    type: "array",
    value: [{ type: "attribute", attributes: [[simple("ttl"), int(5)]], value: bulk("x") }, int(3)],
  });
});

Deno.test("decodeReply returns views into the frame", () => {
  const frame = encode("*1\r\n$3\r\nabc\r\n");
  const reply = decodeReply(frame);
  assert.ok(reply.type === "array" && reply.value[0].type === "bulk");
  assert.equal(reply.value[0].value.buffer, frame.buffer);
});

Deno.test("decodeReply rejects anything but exactly one well-formed frame", () => {
  const cases: [string, RegExp][] = [
    ["", /truncated reply at offset 0/],
    ["+OK", /truncated reply/],
    ["+OK\r\n+extra\r\n", /trailing bytes after the reply at offset 5/],
    ["*2\r\n:1\r\n", /truncated reply at offset 8/],
    ["$5\r\nabc\r\n", /truncated reply/],
    ["$3\r\nabcde", /expected CRLF at offset 7/],
    ["+OK\rx", /expected CRLF at offset 4/],
    [":1x\r\n", /invalid integer/],
    [":\r\n", /invalid integer/],
    ["(1.5\r\n", /invalid big number/],
    [",abc\r\n", /invalid double/],
    [",\r\n", /invalid double/],
    ["#x\r\n", /invalid boolean/],
    ["_1\r\n", /invalid null/],
    ["$-2\r\n", /invalid length/],
    ["%-1\r\n", /invalid length/],
    ["*+1\r\n:1\r\n", /invalid length/],
    ["=3\r\ntxt\r\n", /invalid verbatim string/],
    ["=5\r\ntxt-x\r\n", /invalid verbatim string/],
    ["z\r\n", /unknown type byte 0x7a at offset 0/],
    ["*1\r\n".repeat(1001) + ":1\r\n", /nested too deeply/],
  ];
  for (const [text, expected] of cases) {
    assert.throws(() => decode(text), (error: unknown) => {
      assert.ok(error instanceof ProtocolError, `${text}: ${error}`);
      assert.match(error.message, /^Cannot parse RESP reply: /);
      assert.match(error.message, expected, JSON.stringify(text));
      return true;
    });
  }
});

Deno.test("isErrorFrame recognises simple and blob errors", () => {
  assert.equal(isErrorFrame(encode("-ERR x\r\n")), true);
  assert.equal(isErrorFrame(encode("!1\r\nx\r\n")), true);
  assert.equal(isErrorFrame(encode("+OK\r\n")), false);
  assert.equal(isErrorFrame(encode("$3\r\n-no\r\n")), false);
  assert.equal(isErrorFrame(new Uint8Array(0)), false);
});

Deno.test("errorMessage reads the message of an error frame only", () => {
  assert.equal(errorMessage(encode("-ERR x y\r\n")), "ERR x y");
  assert.equal(errorMessage(encode("-\r\n")), "");
  assert.equal(errorMessage(encode("!10\r\nERR a\r\nbcd\r\n")), "ERR a\r\nbcd");
  assert.equal(errorMessage(encode("+OK\r\n")), undefined);
  assert.equal(errorMessage(encode(":1\r\n")), undefined);
});

Deno.test("integerValue reads integer frames only", () => {
  assert.equal(integerValue(encode(":-3\r\n")), -3);
  assert.equal(integerValue(encode(":0\r\n")), 0);
  assert.equal(integerValue(encode(":123456789\r\n")), 123456789);
  assert.equal(integerValue(encode(":9223372036854775807\r\n")), 9223372036854775807);
  assert.equal(integerValue(encode("$1\r\n3\r\n")), undefined);
  assert.equal(integerValue(encode("+1\r\n")), undefined);
  assert.equal(integerValue(encode(":x\r\n")), undefined);
  assert.equal(integerValue(encode("-ERR\r\n")), undefined);
});

Deno.test("scanReplyParts splits SCAN-family replies and refuses anything else", () => {
  const parts = scanReplyParts(
    decodeReply(encode("*2\r\n$2\r\n17\r\n*2\r\n$1\r\na\r\n$1\r\nb\r\n")),
  );
  assert.deepEqual(parts && [parts.cursor, parts.items.map((i) => new TextDecoder().decode(i))], [
    "17",
    ["a", "b"],
  ]);
  assert.equal(scanReplyParts(decodeReply(encode("-ERR nope\r\n"))), undefined);
  assert.equal(scanReplyParts(decodeReply(encode(":1\r\n"))), undefined);
});
