import assert from "node:assert/strict";
import { ProtocolError } from "./protocol_error.ts";
import { ReplyScanner } from "./reply_scanner.ts";

const latin1 = new TextDecoder("latin1");
const bytes = (text: string) => Uint8Array.from(text, (c) => c.charCodeAt(0));
const texts = (frames: Uint8Array[]) => frames.map((f) => latin1.decode(f));

function random(seed: number): () => number {
  return () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
}

function feed(scanner: ReplyScanner, input: Uint8Array, sizes: () => number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < input.length;) {
    const n = sizes();
    out.push(...scanner.push(input.slice(i, i + n)));
    i += n;
  }
  return out;
}

function scanError(input: Uint8Array, size = input.length): ProtocolError {
  try {
    feed(new ReplyScanner(), input, () => size);
  } catch (error) {
    assert.ok(error instanceof ProtocolError, String(error));
    return error;
  }
  assert.fail(`no error for ${JSON.stringify(latin1.decode(input).slice(0, 40))}`);
}

// One frame of every RESP2 and RESP3 type, including nesting and attributes; several were
// captured from redis-server 7.0 (DEBUG PROTOCOL, HELLO 3, client tracking).
const FRAMES = [
  "+OK\r\n",
  "+\r\n",
  "-ERR unknown command 'x', with args beginning with: \r\n",
  ":0\r\n",
  ":-42\r\n",
  ":9223372036854775807\r\n",
  "$5\r\nhello\r\n",
  "$0\r\n\r\n",
  "$-1\r\n",
  "$4\r\n\r\n\r\n\r\n",
  "*-1\r\n",
  "*0\r\n",
  "*3\r\n$1\r\na\r\n*2\r\n:1\r\n*0\r\n+x\r\n",
  "*2\r\n*1\r\n*1\r\n*1\r\n:1\r\n$-1\r\n",
  "_\r\n",
  ",3.141\r\n",
  ",-inf\r\n",
  ",nan\r\n",
  ",1.5e-10\r\n",
  "#t\r\n",
  "#f\r\n",
  "!21\r\nSYNTAX invalid syntax\r\n",
  "=29\r\ntxt:This is a verbatim\nstring\r\n",
  "(1234567999999999999999999999999999999\r\n",
  "(-3\r\n",
  "%0\r\n",
  "%3\r\n:0\r\n#f\r\n:1\r\n#t\r\n:2\r\n#f\r\n",
  "%2\r\n+a\r\n%1\r\n+b\r\n%1\r\n+c\r\n~2\r\n:1\r\n:2\r\n$1\r\nd\r\n*1\r\n_\r\n",
  "~0\r\n",
  "~3\r\n:0\r\n:1\r\n:2\r\n",
  ">2\r\n$10\r\ninvalidate\r\n*1\r\n$1\r\nk\r\n",
  "|1\r\n$14\r\nkey-popularity\r\n*2\r\n$7\r\nkey:123\r\n:90\r\n" +
  "$39\r\nSome real reply following the attribute\r\n",
  "|0\r\n+v\r\n",
  "|1\r\n+a\r\n|1\r\n+b\r\n:2\r\n:3\r\n%1\r\n+k\r\n+v\r\n",
  "*3\r\n:1\r\n|1\r\n+ttl\r\n:3600\r\n$1\r\nx\r\n:3\r\n",
  "%1\r\n|1\r\n+a\r\n:1\r\n+k\r\n*0\r\n",
];
const STREAM = bytes(FRAMES.join(""));

Deno.test("ReplyScanner returns every frame byte for byte from one chunk", () => {
  const scanner = new ReplyScanner();
  assert.deepEqual(texts(scanner.push(STREAM)), FRAMES);
  assert.equal(scanner.bufferedBytes, 0);
});

Deno.test("ReplyScanner gives the same frames fed one byte at a time", () => {
  const scanner = new ReplyScanner();
  assert.deepEqual(texts(feed(scanner, STREAM, () => 1)), FRAMES);
  assert.equal(scanner.bufferedBytes, 0);
});

Deno.test("ReplyScanner gives the same frames for every split into two chunks", () => {
  for (let at = 0; at <= STREAM.length; at++) {
    const scanner = new ReplyScanner();
    const out = [...scanner.push(STREAM.slice(0, at)), ...scanner.push(STREAM.slice(at))];
    assert.deepEqual(texts(out), FRAMES, `split at ${at}`);
  }
});

Deno.test("ReplyScanner gives the same frames for random chunk sizes", () => {
  const next = random(7);
  for (let round = 0; round < 300; round++) {
    const max = 1 + (round % 50);
    const scanner = new ReplyScanner();
    const out = feed(scanner, STREAM, () => 1 + Math.floor(next() * max));
    assert.deepEqual(texts(out), FRAMES, `round ${round}`);
  }
});

Deno.test("ReplyScanner returns frames inside one chunk as views, others joined", () => {
  const chunk = bytes("+OK\r\n:1\r\n$5\r\nhel");
  const scanner = new ReplyScanner();
  const [ok, one] = scanner.push(chunk);
  assert.equal(ok.buffer, chunk.buffer);
  assert.equal(one.byteOffset, chunk.byteOffset + 5);
  assert.equal(scanner.bufferedBytes, 7);
  const [hello] = scanner.push(bytes("lo\r\n"));
  assert.equal(latin1.decode(hello), "$5\r\nhello\r\n");
  assert.equal(scanner.bufferedBytes, 0);
});

Deno.test("ReplyScanner assembles a 20 MB bulk from 64 KiB chunks", () => {
  const size = 20 * 1024 * 1024;
  const input = new Uint8Array(size + 20);
  const header = bytes(`$${size}\r\n`);
  input.set(header);
  for (let i = 0; i < size; i += 1009) input[header.length + i] = i % 256;
  input.set(bytes("\r\n+OK\r\n"), header.length + size);
  const scanner = new ReplyScanner();
  const frames: Uint8Array[] = [];
  for (let i = 0; i < header.length + size + 7; i += 65536) {
    frames.push(...scanner.push(input.slice(i, Math.min(i + 65536, header.length + size + 7))));
  }
  assert.equal(frames.length, 2);
  assert.equal(frames[0].length, header.length + size + 2);
  assert.ok(equalBytes(frames[0], input.subarray(0, header.length + size + 2)));
  assert.equal(latin1.decode(frames[1]), "+OK\r\n");
});

Deno.test("ReplyScanner assembles a 200,000-element array from 4 KiB chunks", () => {
  const elements = 200_000;
  const text = `*${elements}\r\n` + "$3\r\nabc\r\n".repeat(elements) + ":7\r\n";
  const input = new TextEncoder().encode(text);
  const frames = feed(new ReplyScanner(), input, () => 4096);
  assert.equal(frames.length, 2);
  assert.equal(frames[0].length, input.length - 4);
  assert.equal(latin1.decode(frames[1]), ":7\r\n");
});

Deno.test("ReplyScanner rejects bytes that are not RESP", () => {
  const cases: [string, string][] = [
    ["+OK\r\nzzz\r\n", "unknown type byte 0x7a at offset 5"],
    ["\r\n", "unknown type byte 0x0d at offset 0"],
    ["$?\r\n;4\r\nabcd\r\n;0\r\n", "streamed replies are not supported at offset 1"],
    ["*?\r\n:1\r\n.\r\n", "streamed replies are not supported at offset 1"],
    ["$3\r\nabcX\r\n", "expected CRLF at offset 7"],
    ["$3\r\nabc\rX", "expected CRLF at offset 8"],
    ["+OK\rX", "expected CRLF at offset 4"],
    ["$-2\r\n", "invalid length at offset 0"],
    ["%-1\r\n", "invalid length at offset 0"],
    ["!-1\r\n", "invalid length at offset 0"],
    ["$x\r\n", "invalid number at offset 1"],
    ["$\r\n", "invalid number at offset 1"],
    ["*1 \r\n", "invalid number at offset 2"],
    [":1.5\r\n", "invalid number at offset 2"],
    ["$1234567890123456\r\n", "number too long at offset 1"],
    ["#x\r\n", "invalid boolean at offset 1"],
    ["#tt\r\n", "expected CRLF at offset 2"],
    ["_x\r\n", "expected CRLF at offset 1"],
    [",\r\n", "invalid double at offset 0"],
    [",1x5\r\n", "invalid double at offset 0"],
    ["=3\r\ntxt\r\n", "invalid length at offset 0"],
    ["=5\r\ntxt-x\r\n", "invalid verbatim string at offset 7"],
  ];
  for (const [input, message] of cases) {
    const expected = `Cannot parse RESP reply: ${message}`;
    assert.equal(scanError(bytes(input)).message, expected, JSON.stringify(input));
    for (const size of [1, 2, 3]) {
      assert.equal(scanError(bytes(input), size).message, expected, `${input} by ${size}`);
    }
  }
});

Deno.test("ReplyScanner reports offsets in the whole stream and stays failed", () => {
  const scanner = new ReplyScanner();
  assert.deepEqual(texts(scanner.push(bytes("+OK\r\n:1"))), ["+OK\r\n"]);
  assert.throws(() => scanner.push(bytes("\r\nz")), (error: unknown) => {
    assert.ok(error instanceof ProtocolError);
    assert.equal(error.offset, 9);
    assert.equal(error.message, "Cannot parse RESP reply: unknown type byte 0x7a at offset 9");
    return true;
  });
  assert.throws(() => scanner.push(bytes("+OK\r\n")), /unknown type byte 0x7a at offset 9/);
});

Deno.test("ReplyScanner rejects garbage in a header split across chunks early", () => {
  const scanner = new ReplyScanner();
  assert.deepEqual(scanner.push(bytes("*12")), []);
  assert.throws(() => scanner.push(bytes("3x")), /invalid number at offset 4/);
});

Deno.test("ReplyScanner accepts an empty push anywhere", () => {
  const scanner = new ReplyScanner();
  const empty = new Uint8Array(0);
  const out = [
    ...scanner.push(empty),
    ...scanner.push(bytes("*2\r\n$1")),
    ...scanner.push(empty),
    ...scanner.push(bytes("\r\na\r\n:1\r\n")),
    ...scanner.push(empty),
  ];
  assert.deepEqual(texts(out), ["*2\r\n$1\r\na\r\n:1\r\n"]);
});

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
