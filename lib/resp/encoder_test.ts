import assert from "node:assert/strict";
import {
  concatBytes,
  encodeArray,
  encodeBulk,
  encodeCommand,
  encodeError,
  encodeInteger,
  encodeReply,
  encodeSimple,
} from "./encoder.ts";
import { decodeReply, type Reply } from "./reply.ts";

const utf8 = new TextEncoder();
const latin1 = new TextDecoder("latin1");
const text = (bytes: Uint8Array) => latin1.decode(bytes);

// The obvious, slow encoding, to check the single-allocation one against.
function reference(args: readonly (Uint8Array | string)[]): Uint8Array {
  const parts: Uint8Array[] = [utf8.encode(`*${args.length}\r\n`)];
  for (const arg of args) {
    const bytes = typeof arg === "string" ? utf8.encode(arg) : arg;
    parts.push(utf8.encode(`$${bytes.length}\r\n`), bytes, utf8.encode("\r\n"));
  }
  return concatBytes(parts);
}

Deno.test("encodeCommand writes RESP2 multibulk", () => {
  assert.equal(text(encodeCommand(["PING"])), "*1\r\n$4\r\nPING\r\n");
  assert.equal(text(encodeCommand(["SET", "k", ""])), "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$0\r\n\r\n");
  assert.equal(text(encodeCommand([])), "*0\r\n");
  const binary = new Uint8Array([0, 13, 10, 255]);
  assert.equal(text(encodeCommand(["SET", binary])), "*2\r\n$3\r\nSET\r\n$4\r\n\x00\r\n\xff\r\n");
});

Deno.test("encodeCommand encodes strings as UTF-8 exactly like TextEncoder", () => {
  const samples = [
    "ключ",
    "é",
    "日本語",
    "emoji 😀 here",
    "lone \ud800 high",
    "lone \udc00 low",
    "end \ud83d",
    "x".repeat(63),
    "x".repeat(64),
    "x".repeat(65),
    "y".repeat(1000) + "é",
    "\u007f\u0080\u07ff\u0800\uffff",
  ];
  for (const sample of samples) {
    assert.deepEqual(encodeCommand(["SET", sample]), reference(["SET", sample]), sample);
  }
});

Deno.test("encodeCommand handles many and long arguments", () => {
  const args = Array.from({ length: 1234 }, (_, i) => (i % 3 ? `arg${i}` : utf8.encode(`b${i}`)));
  assert.deepEqual(encodeCommand(args), reference(args));
  const big = new Uint8Array(123456).fill(7);
  assert.deepEqual(encodeCommand(["SET", "k", big]), reference(["SET", "k", big]));
  // A shorter command after a longer one must not see stale lengths.
  assert.equal(text(encodeCommand(["GET", "k"])), "*2\r\n$3\r\nGET\r\n$1\r\nk\r\n");
});

Deno.test("encodeSimple and encodeError keep replies on one line like Redis", () => {
  assert.equal(text(encodeSimple("OK")), "+OK\r\n");
  assert.equal(text(encodeError("ERR boom")), "-ERR boom\r\n");
  assert.equal(text(encodeError("ERR bad\r\nthing\n")), "-ERR bad  thing\r\n");
  assert.equal(text(encodeError("\r\nERR x\ry\r\n")), "-ERR x y\r\n");
  assert.equal(new TextDecoder().decode(encodeError("ERR é")), "-ERR é\r\n");
});

Deno.test("encodeInteger writes numbers and bigints in full", () => {
  assert.equal(text(encodeInteger(0)), ":0\r\n");
  assert.equal(text(encodeInteger(-42)), ":-42\r\n");
  assert.equal(text(encodeInteger(12n)), ":12\r\n");
  assert.equal(text(encodeInteger(-9223372036854775808n)), ":-9223372036854775808\r\n");
  assert.equal(text(encodeInteger(1e21)), ":1000000000000000000000\r\n");
  assert.throws(() => encodeInteger(1.5), RangeError);
  assert.throws(() => encodeInteger(NaN), RangeError);
});

Deno.test("encodeBulk writes bulk strings and the null bulk", () => {
  assert.equal(text(encodeBulk(null)), "$-1\r\n");
  assert.equal(text(encodeBulk("")), "$0\r\n\r\n");
  assert.equal(new TextDecoder().decode(encodeBulk("hé")), "$3\r\nhé\r\n");
  assert.equal(text(encodeBulk(new Uint8Array([1, 2]))), "$2\r\n\x01\x02\r\n");
  const long = "z".repeat(12345);
  assert.equal(text(encodeBulk(long)), `$12345\r\n${long}\r\n`);
  // The null bulk is a fresh array each time, so a caller cannot corrupt a shared one.
  encodeBulk(null)[0] = 0;
  assert.equal(text(encodeBulk(null)), "$-1\r\n");
});

Deno.test("encodeArray prefixes already-encoded frames", () => {
  assert.equal(text(encodeArray([])), "*0\r\n");
  assert.equal(
    text(encodeArray([encodeBulk("a"), encodeInteger(1), encodeArray([])])),
    "*3\r\n$1\r\na\r\n:1\r\n*0\r\n",
  );
});

Deno.test("concatBytes joins into one new array", () => {
  const a = new Uint8Array([1, 2]);
  const joined = concatBytes([a, new Uint8Array(0), new Uint8Array([3])]);
  assert.deepEqual(joined, new Uint8Array([1, 2, 3]));
  assert.notEqual(concatBytes([a]), a);
  assert.deepEqual(concatBytes([]), new Uint8Array(0));
});

const reencode = (frame: string, protocol: 2 | 3) =>
  text(encodeReply(decodeReply(utf8.encode(frame)), protocol));

// RESP3 frames Redis 7 sends, and what it sends instead to a RESP2 client (checked with
// DEBUG PROTOCOL on redis-server 7.0).
const DOWNGRADES: [string, string][] = [
  ["+OK\r\n", "+OK\r\n"],
  ["-ERR x\r\n", "-ERR x\r\n"],
  [":-5\r\n", ":-5\r\n"],
  ["$5\r\nhello\r\n", "$5\r\nhello\r\n"],
  ["*3\r\n:0\r\n:1\r\n:2\r\n", "*3\r\n:0\r\n:1\r\n:2\r\n"],
  ["_\r\n", "$-1\r\n"],
  [",3.141\r\n", "$5\r\n3.141\r\n"],
  [",inf\r\n", "$3\r\ninf\r\n"],
  ["#t\r\n", ":1\r\n"],
  ["#f\r\n", ":0\r\n"],
  [
    "(1234567999999999999999999999999999999\r\n",
    "$37\r\n1234567999999999999999999999999999999\r\n",
  ],
  ["=29\r\ntxt:This is a verbatim\nstring\r\n", "$25\r\nThis is a verbatim\nstring\r\n"],
  ["~3\r\n:0\r\n:1\r\n:2\r\n", "*3\r\n:0\r\n:1\r\n:2\r\n"],
  ["%3\r\n:0\r\n#f\r\n:1\r\n#t\r\n:2\r\n#f\r\n", "*6\r\n:0\r\n:0\r\n:1\r\n:1\r\n:2\r\n:0\r\n"],
  [">2\r\n$16\r\nserver-cpu-usage\r\n:42\r\n", "*2\r\n$16\r\nserver-cpu-usage\r\n:42\r\n"],
  [
    "|1\r\n$14\r\nkey-popularity\r\n*2\r\n$7\r\nkey:123\r\n:90\r\n$5\r\nreply\r\n",
    "$5\r\nreply\r\n",
  ],
  ["%1\r\n+a\r\n%1\r\n+b\r\n~1\r\n#t\r\n", "*2\r\n+a\r\n*2\r\n+b\r\n*1\r\n:1\r\n"],
  ["*2\r\n|1\r\n+ttl\r\n:5\r\n,1.5\r\n_\r\n", "*2\r\n$3\r\n1.5\r\n$-1\r\n"],
];

Deno.test("encodeReply writes RESP3 frames back unchanged for protocol 3", () => {
  for (const [frame] of DOWNGRADES) assert.equal(reencode(frame, 3), frame);
});

Deno.test("encodeReply downgrades RESP3 types for protocol 2 like Redis", () => {
  for (const [frame, resp2] of DOWNGRADES) assert.equal(reencode(frame, 2), resp2, frame);
});

Deno.test("encodeReply writes values built by hand", () => {
  const reply: Reply = {
    type: "array",
    value: [
      { type: "double", value: -0 },
      { type: "double", value: NaN },
      { type: "double", value: 1e21 },
      { type: "error", message: "ERR a\r\nb" },
      { type: "bignum", value: 2n ** 64n },
      { type: "bignum", value: 9007199254740993n },
    ],
  };
  assert.equal(
    text(encodeReply(reply, 3)),
    "*6\r\n,-0\r\n,nan\r\n,1e+21\r\n!8\r\nERR a\r\nb\r\n(18446744073709551616\r\n" +
      ":9007199254740993\r\n",
  );
  assert.equal(
    text(encodeReply(reply, 2)),
    "*6\r\n$2\r\n-0\r\n$3\r\nnan\r\n$5\r\n1e+21\r\n-ERR a  b\r\n$20\r\n18446744073709551616\r\n" +
      ":9007199254740993\r\n",
  );
  // A RESP integer beyond 2^53 decodes as a bignum and must stay an integer.
  assert.equal(reencode(":9223372036854775807\r\n", 2), ":9223372036854775807\r\n");
  assert.equal(reencode("*-1\r\n", 2), "$-1\r\n");
});

Deno.test("encodeRequest keeps large arguments as parts and equals encodeCommand", async () => {
  const { encodeRequest, encodeCommand, LARGE_ARGUMENT, concatBytes } = await import("./mod.ts");
  const small = encodeRequest(["SET", "k", "v"]);
  assert.ok(small instanceof Uint8Array);
  const big = new Uint8Array(LARGE_ARGUMENT + 5).fill(7);
  const parts = encodeRequest(["SET", "k", big, "EX", "10"]);
  assert.ok(Array.isArray(parts));
  assert.ok(parts.includes(big), "the large argument is referenced, not copied");
  assert.deepEqual(concatBytes(parts), encodeCommand(["SET", "k", big, "EX", "10"]));
});
