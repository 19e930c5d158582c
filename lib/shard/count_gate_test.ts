import assert from "node:assert/strict";
import { CountGate } from "./count_gate.ts";

Deno.test("CountGate: a count waits for moves under way, and moves wait for a count", async () => {
  const gate = new CountGate();
  const events: string[] = [];
  const moveDone = Promise.withResolvers<void>();
  const move = gate.move(async () => {
    events.push("move starts");
    await moveDone.promise;
    events.push("move ends");
  });
  const count = gate.count(() => {
    events.push("count");
    return Promise.resolve(1);
  });
  await Promise.resolve();
  const later = gate.move(() => {
    events.push("later move");
    return Promise.resolve();
  });
  await new Promise((resolve) => setTimeout(resolve, 10));
  assert.deepEqual(events, ["move starts"]);
  moveDone.resolve();
  assert.equal(await count, 1);
  await Promise.all([move, later]);
  assert.deepEqual(events, ["move starts", "move ends", "count", "later move"]);
});
