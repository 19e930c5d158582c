import assert from "node:assert/strict";
import { Backlog } from "./backlog.ts";

const bytes = (s: string) => new TextEncoder().encode(s);
const text = (chunks: Uint8Array[] | undefined) =>
  chunks?.map((c) => new TextDecoder().decode(c)).join("");

Deno.test("Backlog serves any offset it still holds and trims the oldest chunks", () => {
  const backlog = new Backlog(10, 100);
  backlog.append(bytes("abcd"));
  backlog.append(bytes("efgh"));
  assert.equal(backlog.end, 108);
  assert.equal(text(backlog.read(100)), "abcdefgh");
  assert.equal(text(backlog.read(102)), "cdefgh");
  assert.equal(text(backlog.read(108)), "");
  backlog.append(bytes("ijklmn"));
  assert.equal(backlog.start, 104, "the first chunk went once the rest reached capacity");
  assert.equal(backlog.read(103), undefined);
  assert.equal(text(backlog.read(105)), "fghijklmn");
  backlog.reset(500);
  assert.deepEqual([backlog.start, backlog.end, text(backlog.read(500))], [500, 500, ""]);
});

Deno.test("Backlog.changed resolves on append", async () => {
  const backlog = new Backlog(100);
  const changed = backlog.changed();
  backlog.append(bytes("x"));
  await changed;
  assert.equal(backlog.end, 1);
});
