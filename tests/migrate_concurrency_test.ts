import assert from "node:assert/strict";
import { integrationTest } from "./_util/integration.ts";
import { Migration } from "./_util/proxy.ts";
import { waitFor } from "./_util/redis.ts";

integrationTest("concurrent misses on one key copy it once", async () => {
  await using m = await Migration.start();
  await using src = m.sourceClient();
  await src.set("hot", "value");
  const clients = Array.from({ length: 20 }, () => m.client());
  try {
    const values = await Promise.all(clients.map((c) => c.get("hot")));
    assert.deepEqual(new Set(values), new Set(["value"]));
  } finally {
    await Promise.all(clients.map((c) => c.quit()));
  }
  assert.equal(await m.metric("remiro_keys_copied_total"), 1);
});

integrationTest("concurrent INCRs on a source key lose no update", async () => {
  await using m = await Migration.start({ deleteOnGet: true });
  await using src = m.sourceClient();
  await using dst = m.destinationClient();
  await src.set("n", "1000");
  const clients = Array.from({ length: 20 }, () => m.client());
  try {
    await Promise.all(clients.map(async (c) => {
      for (let i = 0; i < 50; i++) await c.incr("n");
    }));
  } finally {
    await Promise.all(clients.map((c) => c.quit()));
  }
  assert.equal(await dst.get("n"), "2000");
  assert.equal(await src.exists("n"), 0);
});

integrationTest("reads racing DELs never resurrect a deleted key", async () => {
  for (const deleteOnGet of [false, true]) {
    await using m = await Migration.start({ deleteOnGet });
    await using src = m.sourceClient();
    await using dst = m.destinationClient();
    const keys = Array.from({ length: 200 }, (_, i) => `race:${i}`);
    await src.mset(Object.fromEntries(keys.map((k) => [k, "v"])));
    const readers = Array.from({ length: 6 }, () => m.client());
    await using deleter = m.client();
    try {
      const reads = readers.map(async (c, r) => {
        for (let i = 0; i < keys.length; i++) await c.get(keys[(i + r * 31) % keys.length]);
      });
      const deletes = (async () => {
        for (const key of keys) assert.ok((await deleter.del(key)) <= 1);
      })();
      await Promise.all([...reads, deletes]);
    } finally {
      await Promise.all(readers.map((c) => c.quit()));
    }
    assert.equal(await dst.dbsize(), 0, `destination empty (deleteOnGet=${deleteOnGet})`);
    assert.equal(await src.dbsize(), 0, `source empty (deleteOnGet=${deleteOnGet})`);
    await using check = m.client();
    assert.deepEqual(await check.mget(...keys.slice(0, 10)), new Array(10).fill(null));
  }
});

// Commands that delete their key (or make it expire at once) on the destination, each racing
// readers that copy the same keys from the source.
const DELETING: [string, (key: string) => (string | number)[]][] = [
  ["GETDEL", (key) => ["GETDEL", key]],
  ["SINTERSTORE to an empty result", (key) => ["SINTERSTORE", key, "no-such-set"]],
  ["SET PX 1", (key) => ["SET", key, "short-lived", "PX", 1]],
];

for (const [what, command] of DELETING) {
  integrationTest(`reads racing ${what} never resurrect the old value`, async () => {
    await using m = await Migration.start();
    await using src = m.sourceClient();
    const keys = Array.from({ length: 150 }, (_, i) => `race:${i}`);
    await src.mset(Object.fromEntries(keys.map((k) => [k, "old"])));
    const readers = Array.from({ length: 5 }, () => m.client());
    await using writer = m.client();
    try {
      const reads = readers.map(async (c, r) => {
        for (let i = 0; i < keys.length; i++) await c.get(keys[(i + r * 31) % keys.length]);
      });
      const deletes = (async () => {
        for (const key of keys) await writer.call(...command(key) as [string, ...string[]]);
      })();
      await Promise.all([...reads, deletes]);
    } finally {
      await Promise.all(readers.map((c) => c.quit()));
    }
    await using check = m.client();
    await waitFor(async () => (await check.mget(...keys)).every((v) => v !== "short-lived"), {
      message: "short-lived values expired",
    });
    const values = await check.mget(...keys);
    assert.deepEqual(
      keys.filter((_, i) => values[i] !== null).map((k, i) => `${k}=${values[i]}`),
      [],
      `no key came back after ${what}`,
    );
  });
}

integrationTest("pipelined commands of many clients get their own replies in order", async () => {
  await using m = await Migration.start();
  await using src = m.sourceClient();
  await src.mset(Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`s:${i}`, `${i}`])));
  const clients = Array.from({ length: 8 }, () => m.client());
  try {
    await Promise.all(clients.map(async (c, n) => {
      const pipeline = c.pipeline();
      for (let i = 0; i < 2000; i++) {
        if (i % 4 === 0) pipeline.get(`s:${i % 100}`);
        else if (i % 4 === 1) pipeline.set(`c${n}:${i}`, `${i}`);
        else if (i % 4 === 2) pipeline.get(`c${n}:${i - 1}`);
        else pipeline.incr(`n:${n}`);
      }
      const results = await pipeline.exec();
      assert.ok(results);
      let incr = 0;
      results.forEach(([error, value], i) => {
        assert.equal(error, null);
        if (i % 4 === 0) assert.equal(value, `${i % 100}`);
        else if (i % 4 === 1) assert.equal(value, "OK");
        else if (i % 4 === 2) assert.equal(value, `${i - 1}`);
        else assert.equal(value, ++incr);
      });
    }));
  } finally {
    await Promise.all(clients.map((c) => c.quit()));
  }
});

integrationTest(
  "within one client's pipeline a read before a write sees the old value",
  async () => {
    await using m = await Migration.start({ deleteOnSet: true });
    await using src = m.sourceClient();
    await using client = m.client();
    await src.set("k", "old");
    await src.set("d", "old");
    const results = await client.pipeline()
      .get("k").set("k", "new").get("k")
      .get("d").del("d").get("d")
      .exec();
    assert.deepEqual(results?.map(([, v]) => v), ["old", "OK", "new", "old", 1, null]);
  },
);

integrationTest(
  "racing appends, reads and deletes lose no update and resurrect nothing",
  async () => {
    for (const deleteOnGet of [false, true]) {
      await using m = await Migration.start({ deleteOnGet });
      await using src = m.sourceClient();
      await using dst = m.destinationClient();
      const keys = Array.from({ length: 20 }, (_, i) => `doc:${i}`);
      await src.mset(Object.fromEntries(keys.map((k) => [k, "start"])));
      const writers = Array.from({ length: 5 }, () => m.client());
      const readers = Array.from({ length: 3 }, () => m.client());
      try {
        const appends = writers.map(async (c) => {
          for (let round = 0; round < 10; round++) {
            for (const key of keys) await c.append(key, "+");
          }
        });
        const reads = readers.map(async (c) => {
          for (let round = 0; round < 10; round++) {
            for (const value of await c.mget(...keys)) assert.match(value ?? "", /^start\+*$/);
          }
        });
        await Promise.all([...appends, ...reads]);
        const expected = "start" + "+".repeat(5 * 10);
        assert.deepEqual(await dst.mget(...keys), keys.map(() => expected), "no append lost");
        const [deleter, ...others] = readers;
        const deletes = (async () => {
          for (const key of keys) assert.equal(await deleter.del(key), 1);
        })();
        const rereads = others.map(async (c) => {
          for (const key of keys) assert.match((await c.get(key)) ?? expected, /^start\+{50}$/);
        });
        await Promise.all([deletes, ...rereads]);
        assert.deepEqual(await readers[1].mget(...keys), keys.map(() => null), "nothing came back");
        assert.equal(await src.exists(...keys), 0);
        assert.equal(await dst.exists(...keys), 0);
      } finally {
        await Promise.all([...writers, ...readers].map((c) => c.quit()));
      }
    }
  },
);

integrationTest("a blocking command holds back the rest of its client's pipeline", async () => {
  await using m = await Migration.start();
  await using dst = m.destinationClient();
  await using blocked = m.client();
  await using other = m.client();
  const pipeline = blocked.pipeline().blpop("queue", 10).get("flag").exec();
  await waitFor(async () => /blocked_clients:1/.test(await dst.info("clients")), {
    message: "BLPOP never blocked on the destination",
  });
  await other.set("flag", "set while blocked");
  await other.rpush("queue", "job");
  const results = await pipeline;
  assert.deepEqual(results?.map(([, v]) => v), [["queue", "job"], "set while blocked"]);
});
