import assert from "node:assert/strict";
import { encodeDump } from "../rdb/mod.ts";
import { encodeCommand } from "../resp/mod.ts";
import { encodeRestore } from "./restore_command.ts";

Deno.test("encodeRestore equals the generic encoding of the same RESTORE", () => {
  const key = new TextEncoder().encode("user:1");
  const payload = Uint8Array.of(5, 104, 101, 108, 108, 111);
  for (const expiresAt of [undefined, 4102444800000]) {
    const entry = { key, type: 0, payload, expiresAt };
    const args = ["RESTORE", key, String(expiresAt ?? 0), encodeDump(entry, 10), "REPLACE"];
    if (expiresAt !== undefined) args.push("ABSTTL");
    assert.deepEqual(encodeRestore(entry, 10), encodeCommand(args).slice());
  }
});
