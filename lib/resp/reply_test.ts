import assert from "node:assert/strict";
import { encodeReply } from "./encoder.ts";
import { decodeReply, errorMessage, integerValue, isErrorFrame } from "./reply.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();
const decode = (text: string) => decodeReply(enc.encode(text));
const roundTrip = (text: string, protocol: 2 | 3) => dec.decode(encodeReply(decode(text), protocol));

Deno.test("decodeReply decodes every type", () => {
  assert.deepEqual(decode("+OK\r\n"), { type: "simple", value: "OK" });
  assert.deepEqual(decode("-BUSYKEY exists\r\n"), { type: "error", message: "BUSYKEY exists" });
  assert.deepEqual(decode(":7\r\n"), { type: "integer", value: 7 });
  assert.deepEqual(decode(":12345678901234567890\r\n"), {
    type: "bignum",
    value: 12345678901234567890n,
  });
  assert.deepEqual(decode("$-1\r\n"), { type: "null" });
  assert.deepEqual(decode("_\r\n"), { type: "null" });
  assert.deepEqual(decode(",-inf\r\n"), { type: "double", value: -Infinity });
  assert.deepEqual(decode("#f\r\n"), { type: "boolean", value: false });
  assert.deepEqual(decode("!3\r\nERR\r\n"), { type: "error", message: "ERR" });
  const bulk = decode("$3\r\na\r\n\r\n");
  assert.equal(bulk.type === "bulk" && dec.decode(bulk.value), "a\r\n");
  const map = decode("%1\r\n+k\r\n*2\r\n:1\r\n_\r\n");
  assert.deepEqual(map, {
    type: "map",
    value: [[{ type: "simple", value: "k" }, {
      type: "array",
      value: [{ type: "integer", value: 1 }, { type: "null" }],
    }]],
  });
  const attribute = decode("|1\r\n+a\r\n:1\r\n+v\r\n");
  assert.equal(attribute.type, "attribute");
  assert.throws(() => decode("+OK\r\n+extra\r\n"), /trailing bytes/);
});

Deno.test("frame helpers read errors and integers", () => {
  assert.equal(isErrorFrame(enc.encode("-ERR x\r\n")), true);
  assert.equal(errorMessage(enc.encode("-ERR x\r\n")), "ERR x");
  assert.equal(errorMessage(enc.encode("+OK\r\n")), undefined);
  assert.equal(integerValue(enc.encode(":-3\r\n")), -3);
  assert.equal(integerValue(enc.encode("$1\r\n3\r\n")), undefined);
});

Deno.test("encodeReply downgrades RESP3 for RESP2 clients like Redis", () => {
  assert.equal(roundTrip("%1\r\n+a\r\n#t\r\n", 2), "*2\r\n+a\r\n:1\r\n");
  assert.equal(roundTrip("%1\r\n+a\r\n#t\r\n", 3), "%1\r\n+a\r\n#t\r\n");
  assert.equal(roundTrip(",1.5\r\n", 2), "$3\r\n1.5\r\n");
  assert.equal(roundTrip("_\r\n", 2), "$-1\r\n");
  assert.equal(roundTrip("~1\r\n:1\r\n", 2), "*1\r\n:1\r\n");
  assert.equal(roundTrip("=7\r\ntxt:abc\r\n", 2), "$3\r\nabc\r\n");
  assert.equal(roundTrip("=7\r\ntxt:abc\r\n", 3), "=7\r\ntxt:abc\r\n");
  assert.equal(roundTrip("|1\r\n+a\r\n:1\r\n+v\r\n", 2), "+v\r\n");
  assert.equal(roundTrip("|1\r\n+a\r\n:1\r\n+v\r\n", 3), "|1\r\n+a\r\n:1\r\n+v\r\n");
  assert.equal(roundTrip("(123\r\n", 2), "$3\r\n123\r\n");
});
