import assert from "node:assert/strict";
import { Signal } from "./signal.ts";

Deno.test("Signal wakes every current waiter once, and later waiters at the next wake", async () => {
  const signal = new Signal();
  let woken = 0;
  const first = [signal.wait(), signal.wait()].map((p) => p.then(() => woken++));
  signal.wake();
  await Promise.all(first);
  assert.equal(woken, 2);
  let late = false;
  signal.wait().then(() => (late = true));
  await Promise.resolve();
  assert.equal(late, false);
  signal.wake();
  await new Promise((resolve) => setTimeout(resolve, 0));
  assert.equal(late, true);
});
