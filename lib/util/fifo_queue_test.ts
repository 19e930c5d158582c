import assert from "node:assert/strict";
import { FifoQueue } from "./fifo_queue.ts";

Deno.test("FifoQueue keeps order across growth and drain", () => {
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

Deno.test("FifoQueue keeps order when it grows while wrapped around", () => {
  const q = new FifoQueue<number>();
  let next = 0;
  let expected = 0;
  // Interleaved pushes and shifts move the head around the ring before each growth.
  for (let round = 1; round <= 40; round++) {
    for (let i = 0; i < round + 3; i++) q.push(next++);
    for (let i = 0; i < 3; i++) assert.equal(q.shift(), expected++);
  }
  assert.equal(q.length, next - expected);
  while (q.length > 0) assert.equal(q.shift(), expected++);
  assert.equal(expected, next);
  assert.equal(q.peek(), undefined);
});
