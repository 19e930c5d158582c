import assert from "node:assert/strict";
import { KeySelector } from "../rdb/mod.ts";
import { encodeCommand } from "../resp/mod.ts";
import { commandEvents, hookCommands, type StreamCommand } from "./command_hooks.ts";

const text = (s: string) => new TextEncoder().encode(s);
const command = (...args: string[]): StreamCommand => {
  const raw = encodeCommand(args).slice();
  return { args: args.map(text), raw, bytes: raw.length };
};
const show = (args: Uint8Array[]) => args.map((a) => new TextDecoder().decode(a)).join(" ");

Deno.test("hookCommands: the selector splits DEL and MSET and drops mixed commands", async () => {
  const selector = new KeySelector(/^a/);
  const out = await hookCommands(
    [
      command("SELECT", "3"),
      command("MSET", "a1", "x", "b1", "y"),
      command("DEL", "b1", "a2"),
      command("RENAME", "a1", "b2"),
      command("SET", "b3", "z"),
      command("SET", "a3", "z"),
    ],
    0,
    selector,
    undefined,
  );
  assert.deepEqual(out.map((c) => c.dropped ?? show(c.args)), [
    "SELECT 3",
    "MSET a1 x",
    "DEL a2",
    "mixed",
    "filtered",
    "SET a3 z",
  ]);
  assert.equal(out[5].db, 3);
  assert.deepEqual(commandEvents(out[2], 100).map((e) => `${e.kind} ${e.key} ${e.offset}`), [
    "delete a2 100",
  ]);
  assert.deepEqual(commandEvents(out[0], 1), [], "SELECT is no change");
});
