import assert from "node:assert/strict";
import { ProtocolError } from "./protocol_error.ts";
import { RequestDecoder } from "./request_decoder.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();
const texts = (commands: Uint8Array[][]) => commands.map((c) => c.map((a) => dec.decode(a)));

const PIPELINE = "*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n" +
  "GET key\r\n" +
  "*0\r\n\r\n" +
  "*2\r\n$4\r\nECHO\r\n$0\r\n\r\n" +
  "*1\r\n$4\r\nPING\r\n";
const EXPECTED = [["SET", "key", "value"], ["GET", "key"], ["ECHO", ""], ["PING"]];

Deno.test("RequestDecoder decodes multibulk and inline requests in one chunk", () => {
  assert.deepEqual(texts(new RequestDecoder().push(enc.encode(PIPELINE))), EXPECTED);
});

Deno.test("RequestDecoder gives the same result for every split of the input", () => {
  const bytes = enc.encode(PIPELINE);
  for (let size = 1; size <= bytes.length; size++) {
    const decoder = new RequestDecoder();
    const out: Uint8Array[][] = [];
    for (let i = 0; i < bytes.length; i += size) out.push(...decoder.push(bytes.slice(i, i + size)));
    assert.deepEqual(texts(out), EXPECTED, `chunk size ${size}`);
    assert.equal(decoder.bufferedBytes, 0);
  }
  let seed = 42;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  for (let round = 0; round < 200; round++) {
    const decoder = new RequestDecoder();
    const out: Uint8Array[][] = [];
    let i = 0;
    while (i < bytes.length) {
      const n = 1 + Math.floor(random() * 12);
      out.push(...decoder.push(bytes.slice(i, i + n)));
      i += n;
    }
    assert.deepEqual(texts(out), EXPECTED);
  }
});

Deno.test("RequestDecoder follows Redis's inline quoting rules", () => {
  const decoder = new RequestDecoder();
  const line = `set "a b" 'c\\'d' "\\x41\\n"  plain\r\n`;
  assert.deepEqual(texts(decoder.push(enc.encode(line))), [["set", "a b", "c'd", "A\n", "plain"]]);
  assert.deepEqual(texts(decoder.push(enc.encode("PING\n"))), [["PING"]], "bare \\n ends a line");
  assert.throws(() => new RequestDecoder().push(enc.encode('GET "abc\r\n')), /unbalanced quotes/);
  assert.throws(() => new RequestDecoder().push(enc.encode('GET "a"b\r\n')), /unbalanced quotes/);
});

Deno.test("RequestDecoder reports Redis's protocol errors", () => {
  const cases: [string, RegExp][] = [
    ["*x\r\n", /^Protocol error: invalid multibulk length$/],
    ["*2000000\r\n", /invalid multibulk length/],
    ["*1\r\n$abc\r\n", /^Protocol error: invalid bulk length$/],
    ["*1\r\n$-1\r\n", /invalid bulk length/],
    ["*1\r\n+PING\r\n", /^Protocol error: expected '\$', got '\+'$/],
  ];
  for (const [input, expected] of cases) {
    assert.throws(() => new RequestDecoder().push(enc.encode(input)), (error: unknown) => {
      assert.ok(error instanceof ProtocolError);
      assert.ok(error instanceof SyntaxError);
      assert.match(error.message, expected);
      return true;
    });
  }
  const small = new RequestDecoder({ maxInlineLength: 10, maxBulkLength: 4 });
  assert.throws(() => small.push(enc.encode("x".repeat(20))), /too big inline request/);
  assert.throws(
    () => new RequestDecoder({ maxBulkLength: 4 }).push(enc.encode("*1\r\n$5\r\n")),
    /invalid bulk length/,
  );
  assert.throws(() => new RequestDecoder().push(enc.encode("*" + "1".repeat(70000))), /too big mbulk/);
});

Deno.test("RequestDecoder fills a large bulk in place across chunks", () => {
  const size = 20 * 1024 * 1024;
  const value = new Uint8Array(size);
  for (let i = 0; i < size; i += 4096) value[i] = i % 251;
  const header = enc.encode(`*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$${size}\r\n`);
  const whole = new Uint8Array(header.length + size + 2 + 14);
  whole.set(header);
  whole.set(value, header.length);
  whole.set(enc.encode("\r\n*1\r\n$4\r\nPING\r\n"), header.length + size);
  const decoder = new RequestDecoder();
  const out: Uint8Array[][] = [];
  for (let i = 0; i < whole.length; i += 65536) {
    out.push(...decoder.push(whole.slice(i, i + 65536)));
    if (out.length === 0) assert.ok(decoder.bufferedBytes <= size);
  }
  assert.equal(out.length, 2);
  assert.equal(out[0][2].length, size);
  assert.deepEqual(out[0][2], value);
  assert.equal(dec.decode(out[1][0]), "PING");
});
