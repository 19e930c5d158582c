import assert from "node:assert/strict";
import { FifoQueue } from "./fifo_queue.ts";

Deno.test("FifoQueue keeps order across compaction", () => {
  const q = new FifoQueue<number>();
  for (let i = 0; i < 5000; i++) q.push(i);
  for (let i = 0; i < 3000; i++) assert.equal(q.shift(), i);
  for (let i = 5000; i < 6000; i++) q.push(i);
  assert.equal(q.length, 3000);
  assert.equal(q.peek(), 3000);
  assert.deepEqual(q.drain(), Array.from({ length: 3000 }, (_, i) => i + 3000));
  assert.equal(q.shift(), undefined);
  assert.equal(q.length, 0);
});
