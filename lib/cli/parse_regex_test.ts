import assert from "node:assert/strict";
import { parseRegex } from "./parse_regex.ts";
import { UsageError } from "./usage_error.ts";

Deno.test("parseRegex compiles patterns and names the flag of a bad one", () => {
  assert.ok(parseRegex("^user:", "--regex").test("user:1"));
  assert.equal(parseRegex(undefined, "--exclude"), undefined);
  assert.throws(
    () => parseRegex("(", "--exclude"),
    (e: unknown) => e instanceof UsageError && /^--exclude: /.test(e.message),
  );
});
