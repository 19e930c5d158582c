import assert from "node:assert/strict";
import { ProtocolError } from "./protocol_error.ts";
import { RequestDecoder } from "./request_decoder.ts";

const text = (s: string) => new TextEncoder().encode(s);
const args = (commands: Uint8Array[][]) =>
  commands.map((c) => c.map((a) => new TextDecoder().decode(a)));

function failure(decoder: RequestDecoder, input: string): string {
  try {
    decoder.push(text(input));
  } catch (error) {
    assert.ok(error instanceof ProtocolError);
    return error.message;
  }
  assert.fail("no protocol error");
}

Deno.test("configured limits are named when a request exceeds them", () => {
  const bulk = new RequestDecoder({ maxBulkLength: 1024 * 1024 });
  assert.equal(failure(bulk, "*1\r\n$1048577\r\n"), "Protocol error: invalid bulk length");
  assert.equal(bulk.limitHit, "bulk");
  const multibulk = new RequestDecoder({ maxMultibulkLength: 3 });
  assert.equal(failure(multibulk, "*4\r\n"), "Protocol error: invalid multibulk length");
  assert.equal(multibulk.limitHit, "multibulk");
  const malformed = new RequestDecoder();
  assert.equal(failure(malformed, "*1\r\n$-3\r\n"), "Protocol error: invalid bulk length");
  assert.equal(malformed.limitHit, undefined, "a negative length is no limit");
});

Deno.test("before AUTH, Redis's unauthenticated limits apply, in Redis's order", () => {
  const locked = () => new RequestDecoder({ authRequired: () => true });
  const tooMany = locked();
  assert.equal(failure(tooMany, "*11\r\n"), "Protocol error: unauthenticated multibulk length");
  assert.equal(tooMany.limitHit, "multibulk");
  assert.equal(
    failure(locked(), "*1\r\n$16385\r\n"),
    "Protocol error: unauthenticated bulk length",
  );
  assert.equal(failure(locked(), "*1\r\n$1073741824\r\n"), "Protocol error: invalid bulk length");
  assert.equal(
    failure(locked(), "*3000000000\r\n"),
    "Protocol error: invalid multibulk length",
  );
  assert.deepEqual(args(locked().push(text("*2\r\n$4\r\nAUTH\r\n$2\r\npw\r\n"))), [["AUTH", "pw"]]);
});

Deno.test("an unauthenticated client's requests are decoded one at a time", () => {
  let authenticated = false;
  const decoder = new RequestDecoder({ authRequired: () => !authenticated });
  const big = "x".repeat(20_000);
  const input = `AUTH pw\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$${big.length}\r\n${big}\r\nPING\r\n`;
  assert.deepEqual(args(decoder.push(text(input))), [["AUTH", "pw"]]);
  assert.ok(decoder.stalled);
  assert.ok(decoder.bufferedBytes > big.length, "the rest is held, not lost");
  authenticated = true;
  assert.deepEqual(args(decoder.push(new Uint8Array(0))), [["SET", "k", big], ["PING"]]);
  assert.equal(decoder.stalled, false);
});

Deno.test("a stalled decoder joins what it held with the next chunk", () => {
  let authenticated = false;
  const decoder = new RequestDecoder({ authRequired: () => !authenticated });
  assert.deepEqual(args(decoder.push(text("AUTH pw\r\nECHO a"))), [["AUTH", "pw"]]);
  authenticated = true;
  assert.deepEqual(args(decoder.push(text("b\r\n"))), [["ECHO", "ab"]]);
  // Still judged before AUTH: the second request is refused once its header is seen.
  const strict = new RequestDecoder({ authRequired: () => true });
  assert.deepEqual(args(strict.push(text("PING\r\n*11\r\n"))), [["PING"]]);
  assert.equal(failure(strict, ""), "Protocol error: unauthenticated multibulk length");
});
