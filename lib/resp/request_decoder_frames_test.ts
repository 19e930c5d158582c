import assert from "node:assert/strict";
import { encodeCommand } from "./encoder.ts";
import { RequestDecoder } from "./request_decoder.ts";

const latin1 = new TextDecoder("latin1");
const bytes = (text: string) => Uint8Array.from(text, (c) => c.charCodeAt(0));
const text = (frame: Uint8Array | undefined) => frame && latin1.decode(frame);

// A fixed-seed generator, so random inputs are the same on every run.
function random(seed: number): () => number {
  return () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
}

/** Decodes `input` in one push; the frames kept for each request, as text. */
function framesOf(input: string): (string | undefined)[] {
  const decoder = new RequestDecoder();
  const commands = decoder.push(bytes(input));
  assert.equal(decoder.frames.length, commands.length);
  return decoder.frames.map(text);
}

Deno.test("RequestDecoder keeps the client's bytes of each canonical request", () => {
  const set = "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nvalue\r\n";
  const get = "*2\r\n$3\r\nget\r\n$1\r\nk\r\n";
  const empty = "*2\r\n$4\r\nECHO\r\n$0\r\n\r\n";
  assert.deepEqual(framesOf(set + get + "*0\r\n" + empty), [set, get, empty]);
});

Deno.test("RequestDecoder keeps no bytes for inline or lenient requests", () => {
  const get = "*2\r\n$3\r\nGET\r\n$1\r\nk\r\n";
  // Redis reads a header line up to '\r' and skips the next byte, and skips the two bytes after
  // a bulk, unchecked: the same arguments, but not the bytes encoding them would give.
  assert.deepEqual(framesOf("GET k\r\n" + get), [undefined, get]);
  assert.deepEqual(framesOf("*2\rX$3\r\nGET\r\n$1\r\nk\r\n" + get), [undefined, get]);
  assert.deepEqual(framesOf("*2\r\n$3\rXGET\r\n$1\r\nk\r\n" + get), [undefined, get]);
  assert.deepEqual(framesOf("*2\r\n$3\r\nGETXY$1\r\nk\r\n" + get), [undefined, get]);
  assert.deepEqual(framesOf("*2\r\n$3\r\nGET\r\n$1\r\nk\rX" + get), [undefined, get]);
});

Deno.test("RequestDecoder keeps no bytes for a request split across chunks", () => {
  const get = "*2\r\n$3\r\nGET\r\n$1\r\nk\r\n";
  const decoder = new RequestDecoder();
  assert.deepEqual(decoder.push(bytes(get + get.slice(0, 9))).length, 1);
  assert.deepEqual(decoder.frames.map(text), [get]);
  assert.deepEqual(decoder.push(bytes(get.slice(9) + get)).length, 2);
  assert.deepEqual(decoder.frames.map(text), [undefined, get]);
});

Deno.test("RequestDecoder's kept bytes are what encoding the arguments gives", () => {
  const next = random(11);
  const pick = (n: number) => Math.floor(next() * n);
  const commands: Uint8Array[][] = [];
  for (let i = 0; i < 300; i++) {
    const args: Uint8Array[] = [];
    for (let a = 1 + pick(4); a > 0; a--) {
      const size = [0, 1, 9, 10, 99, 100, 5000][pick(7)];
      args.push(Uint8Array.from({ length: size }, () => pick(256)));
    }
    commands.push(args);
  }
  const input = new Uint8Array(commands.flatMap((args) => [...encodeCommand(args)]));
  const decoder = new RequestDecoder();
  let kept = 0;
  for (let at = 0; at < input.length;) {
    const size = 1 + pick(20000);
    const decoded = decoder.push(input.slice(at, at + size));
    decoded.forEach((args, i) => {
      const frame = decoder.frames[i];
      if (frame === undefined) return;
      kept++;
      assert.deepEqual(frame, encodeCommand(args));
    });
    at += size;
  }
  assert.ok(kept > 150, `only ${kept} of 300 requests kept their bytes`);
});
