import assert from "node:assert/strict";
import { ReplyScanner } from "./reply_scanner.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

const FRAMES = [
  "+OK\r\n",
  "-ERR boom\r\n",
  ":-42\r\n",
  "$5\r\nhello\r\n",
  "$-1\r\n",
  "$0\r\n\r\n",
  "*-1\r\n",
  "*0\r\n",
  "*3\r\n$1\r\na\r\n*2\r\n:1\r\n*0\r\n+x\r\n",
  "_\r\n",
  ",3.14\r\n",
  "#t\r\n",
  "!9\r\nSYNTAX ab\r\n",
  "=8\r\ntxt:abcd\r\n",
  "(3492890328409238509324850943850943825024385\r\n",
  "%2\r\n+a\r\n:1\r\n+b\r\n%1\r\n+c\r\n~2\r\n:1\r\n:2\r\n",
  "~1\r\n$1\r\nz\r\n",
  ">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n",
  "|1\r\n+key-popularity\r\n%1\r\n$1\r\na\r\n,0.19\r\n*2\r\n:1\r\n:2\r\n",
];

Deno.test("ReplyScanner returns each frame byte for byte, whatever the chunking", () => {
  const bytes = enc.encode(FRAMES.join(""));
  for (let size = 1; size <= 17; size++) {
    const scanner = new ReplyScanner();
    const out: string[] = [];
    for (let i = 0; i < bytes.length; i += size) {
      out.push(...scanner.push(bytes.slice(i, i + size)).map((f) => dec.decode(f)));
    }
    assert.deepEqual(out, FRAMES, `chunk size ${size}`);
  }
});

Deno.test("ReplyScanner assembles a large bulk and a large array from many chunks", () => {
  const size = 5 * 1024 * 1024;
  const scanner = new ReplyScanner();
  const header = enc.encode(`$${size}\r\n`);
  assert.deepEqual(scanner.push(header), []);
  const body = new Uint8Array(size).fill(120);
  for (let i = 0; i < size; i += 65536) assert.deepEqual(scanner.push(body.slice(i, i + 65536)), []);
  const [frame] = scanner.push(enc.encode("\r\n"));
  assert.equal(frame.length, header.length + size + 2);

  const elements = 200_000;
  const array = enc.encode(`*${elements}\r\n` + ":1\r\n".repeat(elements));
  const frames: Uint8Array[] = [];
  for (let i = 0; i < array.length; i += 4096) frames.push(...scanner.push(array.slice(i, i + 4096)));
  assert.equal(frames.length, 1);
  assert.equal(frames[0].length, array.length);
});

Deno.test("ReplyScanner rejects bytes that are not RESP", () => {
  assert.throws(
    () => new ReplyScanner().push(enc.encode("+OK\r\nzzz\r\n")),
    /Cannot parse RESP reply: unknown type byte 0x7a at offset 5/,
  );
  assert.throws(() => new ReplyScanner().push(enc.encode("$?\r\n")), /bad length/);
});
