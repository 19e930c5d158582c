import assert from "node:assert/strict";
import { encodeCommand } from "../resp/mod.ts";
import { KeySelector } from "../rdb/mod.ts";
import { StreamFilter } from "./stream_filter.ts";

const run = (filter: StreamFilter, ...args: string[]) => {
  const bytes = args.map((a) => new TextEncoder().encode(a));
  const raw = encodeCommand(bytes).slice();
  const result = filter.filter(bytes, raw);
  return [result.outcome, result.output && new TextDecoder().decode(result.output)];
};

Deno.test("StreamFilter passes, drops, splits and reports commands by their keys", () => {
  const mixed: string[] = [];
  const filter = new StreamFilter(
    new KeySelector(/^a/, /^ax/),
    (name, keys) => mixed.push(`${name} ${keys.map((k) => new TextDecoder().decode(k)).join(" ")}`),
  );
  assert.deepEqual(run(filter, "SET", "apple", "1"), [
    "passed",
    "*3\r\n$3\r\nSET\r\n$5\r\napple\r\n$1\r\n1\r\n",
  ]);
  assert.deepEqual(run(filter, "SET", "banana", "1"), ["dropped", undefined]);
  assert.deepEqual(run(filter, "SET", "axe", "1"), ["dropped", undefined]);
  assert.deepEqual(run(filter, "DEL", "apple", "banana", "avocado"), [
    "split",
    "*3\r\n$3\r\nDEL\r\n$5\r\napple\r\n$7\r\navocado\r\n",
  ]);
  assert.deepEqual(run(filter, "MSETNX", "b", "1", "a", "2"), [
    "split",
    "*3\r\n$4\r\nMSET\r\n$1\r\na\r\n$1\r\n2\r\n",
  ]);
  assert.deepEqual(run(filter, "RENAME", "apple", "banana")[0], "mixed");
  assert.deepEqual(mixed, ["rename apple banana"]);
  assert.deepEqual(run(filter, "SELECT", "3")[0], "passed");
  assert.equal(filter.db, 3);
  assert.deepEqual(run(filter, "MULTI")[0], "passed");
  assert.equal(filter.inTransaction, true);
  assert.deepEqual(run(filter, "EXEC")[0], "passed");
  assert.equal(filter.inTransaction, false);
  assert.deepEqual(run(filter, "FLUSHALL")[0], "passed");
  assert.deepEqual(run(filter, "PING")[0], "passed");
  assert.deepEqual(run(filter, "REPLCONF", "GETACK", "*")[0], "dropped");
  assert.deepEqual(run(filter, "SOMEMODULE.CMD", "x")[0], "unknown");
});

Deno.test("StreamFilter marks MULTI, EXEC and DISCARD for consumers that batch on their own", () => {
  const filter = new StreamFilter(new KeySelector(/^a/));
  const marker = (...args: string[]) => {
    const bytes = args.map((a) => new TextEncoder().encode(a));
    return filter.filter(bytes, encodeCommand(bytes).slice()).transactionMarker ?? false;
  };
  assert.deepEqual([marker("MULTI"), marker("SET", "a", "1"), marker("EXEC"), marker("DISCARD")], [
    true,
    false,
    true,
    true,
  ]);
});
