import assert from "node:assert/strict";
import { ProtocolError } from "./protocol_error.ts";

Deno.test("ProtocolError is a SyntaxError with Redis's text and an offset", () => {
  const error = new ProtocolError("Protocol error: invalid bulk length", 12);
  assert.ok(error instanceof SyntaxError);
  assert.ok(error instanceof Error);
  assert.equal(error.name, "ProtocolError");
  assert.equal(error.message, "Protocol error: invalid bulk length");
  assert.equal(error.offset, 12);
  assert.deepEqual(error.commands, []);
  assert.equal(new ProtocolError("x").offset, undefined);
});
