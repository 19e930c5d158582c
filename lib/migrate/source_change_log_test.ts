import assert from "node:assert/strict";
import { SourceChangeLog } from "./source_change_log.ts";

Deno.test("SourceChangeLog orders changes against a taken sequence", () => {
  const log = new SourceChangeLog();
  const before = log.now();
  assert.equal(log.changedSince("k", before), false);
  log.record("k");
  assert.equal(log.changedSince("k", before), true);
  assert.equal(log.changedSince("k", log.now()), false);
  assert.equal(log.changedSince("other", before), false);
});

Deno.test("SourceChangeLog answers true for keys it had to forget", () => {
  const log = new SourceChangeLog(2);
  const start = log.now();
  log.record("a");
  log.record("b");
  log.record("c");
  assert.equal(log.changedSince("a", start), true, "forgotten key counts as changed");
  assert.equal(log.changedSince("zzz", log.now()), false);
});
