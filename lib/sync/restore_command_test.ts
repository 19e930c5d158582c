import assert from "node:assert/strict";
import { encodeDump } from "../rdb/mod.ts";
import { encodeCommand } from "../resp/mod.ts";
import { RestoreWriter } from "./restore_command.ts";

const key = new TextEncoder().encode("user:1");
const payload = Uint8Array.of(5, 104, 101, 108, 108, 111);

function generic(expiresAt: number | undefined): Uint8Array {
  const entry = { key, type: 0, payload, expiresAt };
  const args = ["RESTORE", key, String(expiresAt ?? 0), encodeDump(entry, 10), "REPLACE"];
  if (expiresAt !== undefined) args.push("ABSTTL");
  return encodeCommand(args).slice();
}

Deno.test("RestoreWriter writes the generic encoding of the same RESTORE", () => {
  const writer = new RestoreWriter();
  for (const expiresAt of [undefined, 0, 7, 4102444800000]) {
    writer.add({ key, type: 0, payload, expiresAt }, 10);
    assert.deepEqual(writer.take().frame, generic(expiresAt));
  }
});

Deno.test("RestoreWriter writes many commands back to back and counts them", () => {
  const writer = new RestoreWriter();
  const big = new Uint8Array(300_000).fill(1);
  writer.add({ key, type: 0, payload }, 10);
  writer.add({ key, type: 0, payload, expiresAt: 99 }, 10);
  writer.add({ key, type: 0, payload: big }, 10);
  const { frame, count } = writer.take();
  assert.equal(count, 3);
  const third = encodeCommand([
    "RESTORE",
    key,
    "0",
    encodeDump({ type: 0, payload: big }, 10),
    "REPLACE",
  ]).slice();
  const expected = [generic(undefined), generic(99), third];
  assert.deepEqual(frame, Uint8Array.from(expected.flatMap((b) => [...b])));
  assert.equal(writer.take().count, 0);
});
