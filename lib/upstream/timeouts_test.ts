import assert from "node:assert/strict";
import { formatMs, withTimeout } from "./timeouts.ts";

Deno.test("timeouts read as a config writes them", () => {
  assert.equal(formatMs(2000), "2s");
  assert.equal(formatMs(1500), "1.5s");
  assert.equal(formatMs(300), "300ms");
  assert.equal(formatMs(1234), "1234ms");
});

Deno.test("withTimeout settles with the promise or the timeout's error", async () => {
  assert.equal(await withTimeout(Promise.resolve(1), 50, () => new Error("late")), 1);
  const never = new Promise<number>(() => {});
  await assert.rejects(withTimeout(never, 10, () => new RangeError("late")), RangeError);
});
