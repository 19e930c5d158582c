import assert from "node:assert/strict";
import { formatReport } from "../lib/sync/mod.ts";
import { ioredisClient as client } from "./_util/clients.ts";
import { integrationTest } from "./_util/integration.ts";
import { RedisServer, waitFor } from "./_util/redis.ts";
import { liveReplicationArgs, runRemiro } from "./_util/remiro_cli.ts";
import { replicator, verify } from "./_util/sync.ts";
import { tempDir } from "./_util/temp_dir.ts";

const DEBUG = ["--enable-debug-command", "yes"];
const FAR = 4102444800000;

/** 100k keys: DEBUG POPULATE strings plus hashes, lists, sets, zsets and streams, 10% expiring. */
async function fill(server: RedisServer): Promise<number> {
  await using redis = client(server.port);
  await redis.call("DEBUG", "POPULATE", 90_000, "key", 20);
  for (let start = 0; start < 10_000; start += 1000) {
    const batch = redis.pipeline();
    for (let i = start; i < start + 1000; i++) {
      const kind = i % 5;
      if (kind === 0) batch.hset(`h:${i}`, "a", i, "b", "x".repeat(i % 50));
      if (kind === 1) batch.rpush(`l:${i}`, "1", "2", String(i));
      if (kind === 2) batch.sadd(`s:${i}`, "a", String(i));
      if (kind === 3) batch.zadd(`z:${i}`, i, "m", -i, "n");
      if (kind === 4) batch.xadd(`x:${i}`, "*", "f", String(i));
      if (i % 10 === 0) {
        batch.pexpireat([`h:${i}`, `l:${i}`, `s:${i}`, `z:${i}`, `x:${i}`][kind], FAR + i);
      }
    }
    for (let i = start; i < start + 1000; i += 10) batch.pexpireat(`key:${i}`, FAR + i);
    await batch.exec();
  }
  await redis.hset(
    "big:hash",
    ...Array.from({ length: 5000 }, (_, i) => [`f${i}`, "v".repeat(40)]).flat(),
  );
  return await redis.dbsize();
}

integrationTest(
  "replicate: 100k keys of every type with expiries copied and verified identical",
  async () => {
    await using source = await RedisServer.start({ args: DEBUG });
    await using target = await RedisServer.start({ args: DEBUG });
    const keys = await fill(source);
    using run = await replicator(source, target, { memLimit: 64 * 1024 });
    await run.run(new Promise(() => {}));
    assert.equal(run.stats.copied, keys);
    assert.equal(run.stats.chunked, 1, "the big hash went in chunks");
    const report = await verify(source, target);
    assert.equal(formatReport(report), `OK:${keys} V:0 >:0 <:0 T:0`);
  },
);

integrationTest(
  "replicate: live on notifications follows sets, deletes, expiries and renames",
  async () => {
    await using source = await RedisServer.start({
      args: [...DEBUG, "--notify-keyspace-events", "KA"],
    });
    await using target = await RedisServer.start({ args: DEBUG });
    await using redis = client(source.port);
    for (let i = 0; i < 500; i++) await redis.set(`k:${i}`, i);
    const stop = Promise.withResolvers<void>();
    using run = await replicator(source, target, { mode: "live" });
    const running = run.run(stop.promise);
    for (let i = 0; i < 300; i++) {
      await redis.set(`k:${i}`, `changed ${i}`);
      if (i % 3 === 0) await redis.del(`k:${i + 200}`);
      if (i % 5 === 0) await redis.pexpire(`k:${i}`, 50);
      if (i % 7 === 0) await redis.rename(`k:${i + 100}`, `renamed:${i}`).catch(() => {});
      if (i % 11 === 0) await redis.hset(`h:${i}`, "f", i);
    }
    await new Promise((resolve) => setTimeout(resolve, 200)); // the 50 ms expiries pass
    await waitFor(async () => {
      const report = await verify(source, target);
      return report.value + report.onlySource + report.onlyTarget + report.ttl === 0;
    }, { timeoutMs: 10_000, message: "target converged" });
    stop.resolve();
    await running;
    const report = await verify(source, target);
    assert.match(formatReport(report), /^OK:\d+ V:0 >:0 <:0 T:0$/);
    assert.ok(run.stats.live > 300, `live changes copied: ${run.stats.live}`);
  },
);

integrationTest(
  "replicate: live mode with notifications off is an error, not a silent no-op",
  async () => {
    await using source = await RedisServer.start();
    await using target = await RedisServer.start();
    const result = await runRemiro([
      "replicate",
      "--mode",
      "live",
      "--source",
      `redis://127.0.0.1:${source.port}`,
      "--target",
      `redis://127.0.0.1:${target.port}`,
    ]);
    assert.equal(result.code, 3);
    assert.match(result.stderr, /keyspace notifications are off on the source/);
    assert.match(result.stderr, /--live-source replication/);
  },
);

integrationTest("replicate: live from the replication stream converges under writes", async () => {
  await using source = await RedisServer.start({
    args: [...DEBUG, "--repl-diskless-sync-delay", "0"],
  });
  await using target = await RedisServer.start({ args: DEBUG });
  await using redis = client(source.port);
  await redis.mset("a", "1", "b", "2");
  await redis.rpush("list", "x");
  const stop = Promise.withResolvers<void>();
  using run = await replicator(source, target, { mode: "live", liveSource: "replication" });
  const running = run.run(stop.promise);
  for (let i = 0; i < 300; i++) {
    await redis.incr("counter");
    await redis.set(`k:${i % 50}`, i);
    if (i % 10 === 0) await redis.del(`k:${(i + 5) % 50}`);
    if (i % 25 === 0) await redis.rpush("list", String(i));
  }
  await waitFor(async () => {
    await using t = client(target.port);
    return (await t.get("counter")) === "300";
  }, { timeoutMs: 10_000, message: "the counter reached the target exactly" });
  stop.resolve();
  await running;
  assert.match(formatReport(await verify(source, target)), /^OK:\d+ V:0 >:0 <:0 T:0$/);
});

integrationTest(
  "replicate: a target restarted mid-run is reconnected to and the copy completes",
  async () => {
    await using source = await RedisServer.start({ args: DEBUG });
    // Its own directory, kept across the restart, so what it had persisted survives.
    await using dir = await tempDir();
    await using target = await RedisServer.start({
      args: [...DEBUG, "--appendonly", "yes", "--dir", dir.path],
    });
    await using redis = client(source.port);
    await redis.call("DEBUG", "POPULATE", 200_000, "key", 10);
    using run = await replicator(source, target, { batch: 200, threads: 1 });
    const running = run.run(new Promise(() => {}));
    await waitFor(() => run.stats.copied > 20_000, {
      timeoutMs: 20_000,
      message: "copy under way",
    });
    await target.restart();
    await running;
    assert.equal(run.stats.failed, 0);
    assert.equal(formatReport(await verify(source, target)), "OK:200000 V:0 >:0 <:0 T:0");
  },
);

integrationTest(
  "verify: counts each kind of difference, with and without DEBUG, and exits 1",
  async () => {
    for (const debug of [DEBUG, []]) {
      await using source = await RedisServer.start({ args: DEBUG });
      await using target = await RedisServer.start({ args: debug });
      await using a = client(source.port);
      await using b = client(target.port);
      for (const r of [a, b]) {
        await r.set("same", "1");
        await r.hset("same:hash", "f", "v", "g", "w");
        await r.set("value", r === a ? "left" : "right");
        await r.zadd("zvalue", 1, r === a ? "x" : "y");
        await r.set("ttl", "1", "PXAT", r === a ? FAR : FAR + 10_000);
        await r.set("ttl:close", "1", "PXAT", r === a ? FAR : FAR + 50);
      }
      await a.set("only:source", "1");
      await b.set("only:target", "1");
      const report = await verify(source, target);
      assert.equal(formatReport(report), "OK:3 V:2 >:1 <:1 T:1", `debug ${debug.length > 0}`);
      const cli = await runRemiro([
        "verify",
        "--source",
        `redis://127.0.0.1:${source.port}`,
        "--target",
        `redis://127.0.0.1:${target.port}`,
        "--json",
        "--show-diffs",
      ]);
      assert.equal(cli.code, 1);
      const json = JSON.parse(cli.stdout);
      assert.deepEqual([json.ok, json.value, json.onlySource, json.onlyTarget, json.ttl], [
        3,
        2,
        1,
        1,
        1,
      ]);
      assert.deepEqual(
        json.diffs.map((d: { kind: string; key: string }) => `${d.kind}${d.key}`).sort(),
        [
          "<only:target",
          ">only:source",
          "Tttl",
          "Vvalue",
          "Vzvalue",
        ],
      );
    }
  },
);

integrationTest(
  "replicate --live-source replication killed with SIGKILL continues from the target's checkpoint: no duplicate, no gap",
  async () => {
    await using source = await RedisServer.start({
      args: [...DEBUG, "--repl-diskless-sync-delay", "0", "--repl-backlog-size", "64mb"],
    });
    await using target = await RedisServer.start({ args: DEBUG });
    await using redis = client(source.port);
    await redis.set("counter", 0);
    const args = liveReplicationArgs(source, target);
    const spawn = () => {
      const child = new Deno.Command(Deno.execPath(), { args, stdout: "piped", stderr: "piped" })
        .spawn();
      let log = "";
      child.stderr.pipeThrough(new TextDecoderStream()).pipeTo(
        new WritableStream({ write: (chunk) => void (log += chunk) }),
      ).catch(() => {});
      return { child, log: () => log };
    };
    let running = true;
    let increments = 0;
    const writer = (async () => {
      while (running) {
        await redis.incr("counter");
        await redis.multi().incr("counter").set(`k:${increments % 20}`, increments).exec();
        increments += 2;
      }
    })();
    await using _stop = {
      [Symbol.asyncDispose]: async () => {
        running = false;
        await writer.catch(() => {});
      },
    };
    await using t = client(target.port);
    let first = spawn();
    try {
      await waitFor(async () => Number(await t.get("counter")) > 300, {
        timeoutMs: 15_000,
        message: "stream flowing",
      });
      first.child.kill("SIGKILL");
      await first.child.status;
      await new Promise((resolve) => setTimeout(resolve, 300));
      first = spawn();
      await waitFor(() => /continued replication from offset/.test(first.log()), {
        timeoutMs: 15_000,
        message: "restarted replicate continued from the target's checkpoint",
      }).catch((error) => {
        throw new Error(`${error.message}\n${first.log()}`);
      });
      running = false;
      await writer;
      const final = await redis.get("counter");
      assert.equal(Number(final), increments);
      await waitFor(async () => (await t.get("counter")) === final, {
        message: `target counter reaches exactly ${final}`,
      });
      assert.doesNotMatch(first.log(), /snapshot of the source queued/, "no second full sync");
    } finally {
      first.child.kill("SIGTERM");
      await first.child.status;
    }
    assert.match(formatReport(await verify(source, target)), /^OK:\d+ V:0 >:0 <:0 T:0$/);
  },
);

integrationTest(
  "replicate refuses option combinations it cannot run, with exit code 2",
  async () => {
    const result = await runRemiro([
      "replicate",
      "--source",
      "redis://127.0.0.1:1",
      "--target",
      "redis://127.0.0.1:2",
      "--source-cluster",
      "--mode",
      "live",
      "--live-source",
      "replication",
    ]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /a Redis Cluster is copied by SCAN, not over the replication/);
  },
);
