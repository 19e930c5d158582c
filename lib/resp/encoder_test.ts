import assert from "node:assert/strict";
import { encodeBulk, encodeCommand, encodeError, encodeInteger } from "./encoder.ts";
import { errUnknownCommand, errWrongArgs } from "./replies.ts";

const dec = new TextDecoder();

Deno.test("encodeCommand writes RESP2 multibulk with binary arguments", () => {
  const binary = new Uint8Array([0, 13, 10, 255]);
  assert.equal(
    dec.decode(encodeCommand(["SET", "ключ", binary])),
    `*3\r\n$3\r\nSET\r\n$8\r\nключ\r\n$4\r\n${dec.decode(binary)}\r\n`,
  );
  const many = Array.from({ length: 12 }, (_, i) => `${i}`);
  assert.match(dec.decode(encodeCommand(many)), /^\*12\r\n\$1\r\n0\r\n/);
});

Deno.test("encoders for replies", () => {
  assert.equal(dec.decode(encodeError("ERR bad\r\nthing")), "-ERR bad thing\r\n");
  assert.equal(dec.decode(encodeInteger(12n)), ":12\r\n");
  assert.equal(dec.decode(encodeBulk(null)), "$-1\r\n");
  assert.equal(dec.decode(encodeBulk("hé")), "$3\r\nhé\r\n");
  assert.equal(
    dec.decode(errWrongArgs("GET")),
    "-ERR wrong number of arguments for 'get' command\r\n",
  );
  const unknown = dec.decode(errUnknownCommand("FOO", [new Uint8Array(), new Uint8Array([97])]));
  assert.equal(unknown, "-ERR unknown command 'FOO', with args beginning with: 'a' \r\n");
});
