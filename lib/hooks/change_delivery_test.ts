import assert from "node:assert/strict";
import { ChangeDelivery } from "./change_delivery.ts";
import type { ChangeSink } from "./change_sinks.ts";
import type { ChangeEvent } from "./hook_types.ts";

const event = (offset: number, index: number, key = `k${offset}.${index}`): ChangeEvent => ({
  kind: "set",
  db: 0,
  key,
  source: "stream",
  offset,
  index,
});

function recording(): ChangeSink & { got: ChangeEvent[] } {
  const got: ChangeEvent[] = [];
  return { name: "test", got, deliver: (events) => Promise.resolve(void got.push(...events)) };
}

Deno.test("ChangeDelivery: a restart skips what the log has and delivers the rest", async () => {
  const dir = await Deno.makeTempDir();
  const log = `${dir}/delivered.json`;
  try {
    const first = recording();
    const one = await ChangeDelivery.open([first], log);
    await one.deliver([event(10, 0), event(10, 1), event(20, 0)], "r1");
    assert.deepEqual(one.position("test"), { replid: "r1", offset: 20, index: 0 });
    const second = recording();
    const two = await ChangeDelivery.open([second], log);
    await two.deliver([event(10, 1), event(20, 0), event(20, 1), event(30, 0)], "r1");
    assert.deepEqual(second.got.map((e) => e.key), ["k20.1", "k30.0"]);
    assert.deepEqual(two.counts.test, { delivered: 2, skipped: 2 });
    // Another stream (a new replication ID) starts over; events without offsets always go.
    await two.deliver([event(5, 0), { kind: "delete", db: 0, key: "n", source: "copy" }], "r2");
    assert.equal(second.got.length, 4);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("ChangeDelivery: a log that is not JSON is an error, a missing one a fresh start", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/bad.json`, "{");
    await assert.rejects(
      ChangeDelivery.open([], `${dir}/bad.json`),
      /Cannot read the delivery log/,
    );
    const fresh = await ChangeDelivery.open([recording()], `${dir}/none.json`);
    assert.equal(fresh.position("test"), undefined);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
