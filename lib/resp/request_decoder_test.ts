import assert from "node:assert/strict";
import { ProtocolError } from "./protocol_error.ts";
import { RequestDecoder, type RequestLimits } from "./request_decoder.ts";

const latin1 = new TextDecoder("latin1");
const bytes = (text: string) => Uint8Array.from(text, (c) => c.charCodeAt(0));
const texts = (commands: Uint8Array[][]) => commands.map((c) => c.map((a) => latin1.decode(a)));
const decode = (text: string, limits?: RequestLimits) =>
  texts(new RequestDecoder(limits).push(bytes(text)));

// A fixed-seed generator, so random chunkings are the same on every run.
function random(seed: number): () => number {
  return () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
}

function feed(decoder: RequestDecoder, input: Uint8Array, sizes: () => number): Uint8Array[][] {
  const out: Uint8Array[][] = [];
  for (let i = 0; i < input.length;) {
    const n = sizes();
    out.push(...decoder.push(input.slice(i, i + n)));
    i += n;
  }
  return out;
}

function protocolError(text: string, limits?: RequestLimits): ProtocolError {
  try {
    new RequestDecoder(limits).push(bytes(text));
  } catch (error) {
    assert.ok(error instanceof ProtocolError, String(error));
    return error;
  }
  assert.fail(`no error for ${JSON.stringify(text.slice(0, 40))}`);
}

const PIPELINE = "*3\r\n$3\r\nSET\r\n$5\r\nkey:1\r\n$5\r\nvalue\r\n" +
  "GET key:1\r\n" +
  "*0\r\n*-1\r\n\r\n  \n" +
  "*2\r\n$4\r\nECHO\r\n$0\r\n\r\n" +
  `set "a b" 'c\\'d' "\\x41"\n` +
  "*4\r\n$4\r\nHSET\r\n$10\r\nbinary\r\n\x00\xff\r\n$1\r\nf\r\n$10\r\n0123456789\r\n" +
  "*1\r\n$4\r\nPING\r\n";
const EXPECTED = [
  ["SET", "key:1", "value"],
  ["GET", "key:1"],
  ["ECHO", ""],
  ["set", "a b", "c'd", "A"],
  ["HSET", "binary\r\n\x00\xff", "f", "0123456789"],
  ["PING"],
];

Deno.test("RequestDecoder decodes multibulk and inline requests from one chunk", () => {
  const decoder = new RequestDecoder();
  assert.deepEqual(texts(decoder.push(bytes(PIPELINE))), EXPECTED);
  assert.equal(decoder.bufferedBytes, 0);
});

Deno.test("RequestDecoder gives the same result fed one byte at a time", () => {
  const decoder = new RequestDecoder();
  assert.deepEqual(texts(feed(decoder, bytes(PIPELINE), () => 1)), EXPECTED);
  assert.equal(decoder.bufferedBytes, 0);
});

Deno.test("RequestDecoder gives the same result for every split into two chunks", () => {
  const input = bytes(PIPELINE);
  for (let at = 0; at <= input.length; at++) {
    const decoder = new RequestDecoder();
    const out = [...decoder.push(input.slice(0, at)), ...decoder.push(input.slice(at))];
    assert.deepEqual(texts(out), EXPECTED, `split at ${at}`);
  }
});

Deno.test("RequestDecoder gives the same result for random chunk sizes", () => {
  const input = bytes(PIPELINE.repeat(20));
  const expected = Array.from({ length: 20 }, () => EXPECTED).flat();
  const next = random(42);
  for (let round = 0; round < 300; round++) {
    const max = 1 + (round % 40);
    const decoder = new RequestDecoder();
    const out = feed(decoder, input, () => 1 + Math.floor(next() * max));
    assert.deepEqual(texts(out), expected, `round ${round}`);
    assert.equal(decoder.bufferedBytes, 0);
  }
});

Deno.test("RequestDecoder reports the bytes held for an incomplete request", () => {
  const decoder = new RequestDecoder();
  assert.deepEqual(decoder.push(bytes("*2\r\n$3\r\nGET\r\n$5\r\nke")), []);
  assert.equal(decoder.bufferedBytes, 5, "GET and the 2 bytes of the key");
  assert.deepEqual(texts(decoder.push(bytes("y:1\r\nGET"))), [["GET", "key:1"]]);
  assert.equal(decoder.bufferedBytes, 3, "a partial inline line");
  assert.deepEqual(texts(decoder.push(bytes(" x\r\n"))), [["GET", "x"]]);
  assert.equal(decoder.bufferedBytes, 0);
});

Deno.test("RequestDecoder skips empty requests like Redis", () => {
  assert.deepEqual(decode("\r\n\n   \r\n\t\n*0\r\n*-1\r\n*-5\r\n"), []);
  assert.deepEqual(decode("*-9223372036854775808\r\n*1\r\n$4\r\nPING\r\n"), [["PING"]]);
});

Deno.test("RequestDecoder ends inline lines at \\n with an optional \\r", () => {
  assert.deepEqual(decode("PING\nPING\r\nECHO a\r\r\n"), [["PING"], ["PING"], ["ECHO", "a"]]);
  assert.deepEqual(decode(`ECHO "a\\r\\nb"\r\n`), [["ECHO", "a\r\nb"]]);
  assert.deepEqual(decode("GET a\rb\r\n"), [["GET", "a", "b"]]);
});

Deno.test("RequestDecoder follows Redis's inline quoting rules", () => {
  assert.deepEqual(decode(`set "a b" 'c\\'d' "\\x41"\r\n`), [["set", "a b", "c'd", "A"]]);
  assert.deepEqual(decode(`x "\\n\\t\\\\\\"" a"b c" '' ""\r\n`), [
    ["x", '\n\t\\"', "ab c", "", ""],
  ]);
  assert.equal(
    protocolError(`GET "abc\r\n`).message,
    "Protocol error: unbalanced quotes in request",
  );
  assert.equal(
    protocolError(`GET 'a'b\r\n`).message,
    "Protocol error: unbalanced quotes in request",
  );
});

Deno.test("RequestDecoder keeps the command name's case and binary arguments", () => {
  const name = decode("*2\r\n$3\r\ngEt\r\n$3\r\n\x00\r\n\r\n");
  assert.deepEqual(name, [["gEt", "\x00\r\n"]]);
});

Deno.test("RequestDecoder skips the two bytes after a bulk unchecked, like Redis", () => {
  // Redis trusts the length and does not look at the bytes after the data.
  assert.deepEqual(decode("*2\r\n$2\r\nxa\r\n$3\r\nfooXY*1\r\n$2\r\nxb\r\n"), [["xa", "foo"], [
    "xb",
  ]]);
  // And a header line ends at '\r' plus any one byte.
  assert.deepEqual(decode("*1\rX$2\r\nxa\r\n"), [["xa"]]);
});

Deno.test("RequestDecoder reports Redis's protocol errors", () => {
  const cases: [string, string, number][] = [
    ["*x\r\n", "invalid multibulk length", 0],
    ["*\r\n", "invalid multibulk length", 0],
    ["*01\r\n", "invalid multibulk length", 0],
    ["*+1\r\n", "invalid multibulk length", 0],
    ["*1 \r\n", "invalid multibulk length", 0],
    ["*1048577\r\n", "invalid multibulk length", 0],
    ["*-9223372036854775809\r\n", "invalid multibulk length", 0],
    ["PING\r\n*1\r\n$abc\r\n", "invalid bulk length", 10],
    ["*1\r\n$-1\r\n", "invalid bulk length", 4],
    ["*1\r\n$\r\n", "invalid bulk length", 4],
    ["*1\r\n$01\r\nx\r\n", "invalid bulk length", 4],
    ["*1\r\n$536870913\r\n", "invalid bulk length", 4],
    ["*1\r\n+PING\r\n", "expected '$', got '+'", 4],
    ["*1\r\n\r\n", "expected '$', got '\r'", 4],
    ["*2\r\n$1\r\na\r\n:1\r\n", "expected '$', got ':'", 11],
    ['GET "a\r\n', "unbalanced quotes in request", 0],
  ];
  for (const [input, message, offset] of cases) {
    const error = protocolError(input);
    assert.ok(error instanceof SyntaxError);
    assert.equal(error.message, `Protocol error: ${message}`, JSON.stringify(input));
    if (!message.startsWith("unbalanced")) {
      assert.equal(error.offset, offset, JSON.stringify(input));
    }
  }
});

Deno.test("RequestDecoder reports over-long lines like Redis", () => {
  const tooBig = (input: string) => protocolError(input).message;
  assert.equal(tooBig("x".repeat(70000)), "Protocol error: too big inline request");
  assert.equal(
    tooBig("GET " + "x".repeat(70000) + "\r\n"),
    "Protocol error: too big inline request",
  );
  assert.equal(tooBig("*" + "1".repeat(70000)), "Protocol error: too big mbulk count string");
  assert.equal(tooBig("*1\r\n$" + "1".repeat(70000)), "Protocol error: too big bulk count string");
  // At the limit is still fine, and waits for the end of the line.
  const decoder = new RequestDecoder({ maxInlineLength: 10 });
  assert.deepEqual(decoder.push(bytes("x".repeat(10))), []);
  assert.throws(() => decoder.push(bytes("x")), /too big inline request/);
});

Deno.test("RequestDecoder detects an over-long line however it is chunked", () => {
  const input = bytes("*1\r\n$" + "1".repeat(100) + "\r\n");
  for (const size of [1, 7, 64, 1000]) {
    const decoder = new RequestDecoder({ maxInlineLength: 50 });
    assert.throws(() => feed(decoder, input, () => size), /too big bulk count string/, `${size}`);
  }
});

Deno.test("RequestDecoder applies custom limits", () => {
  const limits = { maxBulkLength: 4, maxMultibulkLength: 2, maxInlineLength: 8 };
  assert.deepEqual(decode("*2\r\n$4\r\nabcd\r\n$0\r\n\r\n", limits), [["abcd", ""]]);
  assert.match(protocolError("*1\r\n$5\r\n", limits).message, /invalid bulk length/);
  assert.match(protocolError("*3\r\n", limits).message, /invalid multibulk length/);
  assert.match(protocolError("GET 12345\r\n", limits).message, /too big inline request/);
});

Deno.test("RequestDecoder hands requests completed before an error to the caller", () => {
  const decoder = new RequestDecoder();
  const error = (() => {
    try {
      decoder.push(bytes("*1\r\n$4\r\nPING\r\nECHO hi\r\n*x\r\n"));
    } catch (error) {
      return error;
    }
  })();
  assert.ok(error instanceof ProtocolError);
  assert.equal(error.message, "Protocol error: invalid multibulk length");
  assert.equal(error.offset, 23);
  assert.deepEqual(texts(error.commands), [["PING"], ["ECHO", "hi"]]);
  // The stream cannot be resynchronised, so the decoder stays failed.
  assert.throws(() => decoder.push(bytes("PING\r\n")), /invalid multibulk length/);
});

Deno.test("RequestDecoder reports the stream offset of errors in later chunks", () => {
  const decoder = new RequestDecoder();
  decoder.push(bytes("PING\r\n*1\r\n"));
  assert.throws(() => decoder.push(bytes("$x\r\n")), (error: unknown) => {
    assert.ok(error instanceof ProtocolError);
    assert.equal(error.offset, 10);
    return true;
  });
});

Deno.test("RequestDecoder returns views of whole bulks and leaves chunks untouched", () => {
  const chunk = bytes("*2\r\n$3\r\nGET\r\n$3\r\nkey\r\n");
  const copy = chunk.slice();
  const [[name, key]] = new RequestDecoder().push(chunk);
  assert.equal(name.buffer, chunk.buffer, "no copy for a bulk inside one chunk");
  assert.equal(key.byteOffset, chunk.byteOffset + 17);
  assert.deepEqual(chunk, copy);
});

Deno.test("RequestDecoder results survive later pushes", () => {
  const decoder = new RequestDecoder();
  const first = decoder.push(bytes("*2\r\n$3\r\nGET\r\n$4\r\nke"));
  const held = decoder.push(bytes('y1\r\nSET "a b" c\r\n*1\r\n$4\r\nPI'));
  const later = decoder.push(bytes("NG\r\n*1\r\n$4\r\nECHO\r\n"));
  decoder.push(bytes("*1\r\n$4\r\nzzzz\r\n".repeat(10)));
  assert.deepEqual(first, []);
  assert.deepEqual(texts(held), [["GET", "key1"], ["SET", "a b", "c"]]);
  assert.deepEqual(texts(later), [["PING"], ["ECHO"]]);
});

Deno.test("RequestDecoder assembles a 20 MB bulk from 64 KiB chunks", () => {
  const size = 20 * 1024 * 1024;
  const value = new Uint8Array(size);
  for (let i = 0; i < size; i += 997) value[i] = i % 251;
  const header = bytes(`*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$${size}\r\n`);
  const trailer = bytes("\r\n*1\r\n$4\r\nPING\r\n");
  const input = new Uint8Array(header.length + size + trailer.length);
  input.set(header);
  input.set(value, header.length);
  input.set(trailer, header.length + size);
  const decoder = new RequestDecoder();
  const out: Uint8Array[][] = [];
  for (let i = 0; i < input.length; i += 65536) {
    out.push(...decoder.push(input.slice(i, i + 65536)));
    // Held: "SET", "k" and the part of the value received so far.
    const received = Math.min(i + 65536, input.length) - header.length;
    if (out.length === 0) assert.equal(decoder.bufferedBytes, 4 + received);
  }
  assert.equal(out.length, 2);
  assert.deepEqual(texts([out[0].slice(0, 2)]), [["SET", "k"]]);
  assert.equal(out[0][2].length, size);
  assert.ok(equalBytes(out[0][2], value));
  assert.deepEqual(texts([out[1]]), [["PING"]]);
  assert.equal(decoder.bufferedBytes, 0);
});

Deno.test("RequestDecoder assembles bulks that straddle chunks of every size", () => {
  const value = "v".repeat(3000);
  const input = bytes(`*2\r\n$4\r\nECHO\r\n$3000\r\n${value}\r\n`.repeat(3));
  for (const size of [1, 2, 3, 100, 1499, 3000, 3001, 3002, 4096]) {
    const out = feed(new RequestDecoder(), input, () => size);
    assert.deepEqual(texts(out), [["ECHO", value], ["ECHO", value], ["ECHO", value]], `${size}`);
  }
});

Deno.test("RequestDecoder applies a small header length limit however the bytes are split", () => {
  const limits = { maxInlineLength: 2 };
  for (const text of ["*10\r\n", "*1\r\n$10\r\n"]) {
    const whole = protocolError(text, limits).message;
    assert.throws(
      () => feed(new RequestDecoder(limits), bytes(text), () => 1),
      (error) => error instanceof ProtocolError && error.message === whole,
    );
    assert.match(whole, /too big (mbulk|bulk) count string/);
  }
});

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
