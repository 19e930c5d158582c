import assert from "node:assert/strict";
import { KeyLocks } from "./key_locks.ts";

Deno.test("KeyLocks serialises holders of one key and frees the map", async () => {
  const locks = new KeyLocks();
  const order: string[] = [];
  const first = await locks.lock(["a"]);
  const second = locks.lock(["a"]).then((release) => {
    order.push("second");
    release();
  });
  const other = locks.lock(["b"]).then((release) => {
    order.push("other");
    release();
  });
  await other;
  assert.deepEqual(order, ["other"]);
  order.push("first done");
  first();
  await second;
  assert.deepEqual(order, ["other", "first done", "second"]);
  assert.equal(locks.size, 0);
});

Deno.test("KeyLocks takes multi-key locks without deadlock", async () => {
  const locks = new KeyLocks();
  const runs = Array.from(
    { length: 50 },
    (_, i) =>
      locks.lock(i % 2 ? ["x", "y"] : ["y", "x"]).then((release) => {
        queueMicrotask(release);
      }),
  );
  await Promise.all(runs);
  assert.equal(locks.size, 0);
});
