import assert from "node:assert/strict";
import { tickNow } from "./tick_clock.ts";

Deno.test("tickNow: one reading per turn, a fresh one on the next", async () => {
  const first = tickNow();
  assert.equal(tickNow(), first);
  const start = performance.now();
  while (performance.now() - start < 2) {
    // spin: the clock moves, the turn's reading does not
  }
  assert.equal(tickNow(), first);
  await new Promise((resolve) => setTimeout(resolve, 5));
  const later = tickNow();
  assert.ok(later >= first + 5, `${later} should be at least 5 ms after ${first}`);
});
