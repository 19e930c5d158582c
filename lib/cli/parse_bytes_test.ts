import assert from "node:assert/strict";
import { parseBytes } from "./parse_bytes.ts";
import { UsageError } from "./usage_error.ts";

Deno.test("parseBytes reads plain numbers and kb/mb/gb, and names the flag on errors", () => {
  assert.equal(parseBytes("1048576", "--x"), 1048576);
  assert.equal(parseBytes("64mb", "--x"), 64 * 1024 * 1024);
  assert.equal(parseBytes("512KB", "--x"), 512 * 1024);
  assert.equal(parseBytes("1gb", "--x"), 1024 ** 3);
  assert.throws(
    () => parseBytes("lots", "--backlog"),
    (e: unknown) => e instanceof UsageError && /--backlog/.test(e.message),
  );
});
