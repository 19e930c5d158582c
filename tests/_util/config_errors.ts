import assert from "node:assert/strict";
import { ConfigError, parseConfig } from "../../lib/config/mod.ts";

/** Asserts that `text` (as if read from `file`) fails to load with `problem` on `key`. */
export function assertConfigRejects(
  text: string,
  file: string,
  key: string | undefined,
  problem: RegExp,
): void {
  assert.throws(() => parseConfig(text, file), (error: unknown) => {
    assert.ok(error instanceof ConfigError, String(error));
    assert.equal(error.key, key);
    assert.match(error.problem, problem);
    return true;
  });
}
