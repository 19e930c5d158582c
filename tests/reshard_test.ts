import assert from "node:assert/strict";
import { integrationTest } from "./_util/integration.ts";
import { freePort, RedisServer, waitFor } from "./_util/redis.ts";
import { MAIN } from "./_util/remiro_cli.ts";
import { tempDir } from "./_util/temp_dir.ts";
import { digests } from "./_util/digests.ts";
import { fixtureRdb } from "./_util/rdb_files.ts";
import { ioredisClient as client } from "./_util/clients.ts";
import { startMaster, startReplicaOf, startReshard } from "./_util/reshard.ts";

integrationTest(
  "reshard: the seed's example splits apple and banana into two replicas, live",
  async () => {
    await using master = await startMaster();
    await using redis = client(master.port);
    await redis.set("apple", "red");
    await redis.set("banana", "yellow");
    await redis.set("cucumber", "green");
    await using proxyA = await startReshard(master, { include: /^a.*/ });
    await using proxyB = await startReshard(master, { include: /^b.*/ });
    await using replicaA = await startReplicaOf(proxyA.port);
    await using replicaB = await startReplicaOf(proxyB.port);
    await using a = client(replicaA.port);
    await using b = client(replicaB.port);
    assert.deepEqual(await a.keys("*"), ["apple"]);
    assert.equal(await a.get("apple"), "red");
    assert.deepEqual(await b.keys("*"), ["banana"]);
    assert.equal(await b.get("banana"), "yellow");

    await redis.set("avocado", "green");
    await redis.del("apple", "banana");
    await redis.set("blueberry", "blue");
    await waitFor(async () => (await a.keys("*")).join() === "avocado", {
      message: "live writes reach replica A",
    });
    await waitFor(async () => (await b.keys("*")).join() === "blueberry", {
      message: "live writes reach replica B",
    });
    assert.equal(await a.get("avocado"), "green");
  },
);

/** Writes to matching and other keys in two databases until stopped; returns the count. */
function startWriter(port: number): { stop(): Promise<number> } {
  const redis = client(port);
  let running = true;
  let count = 0;
  const done = (async () => {
    while (running) {
      const i = count++;
      const batch = redis.multi();
      batch.select(i % 2);
      batch.set(`str:live:${i}`, `v${i}`);
      batch.set(`other:live:${i}`, `v${i}`);
      batch.incr("str:counter");
      batch.hset("hash:live", `f${i % 50}`, i);
      batch.rpush("list:live", i);
      if (i % 7 === 0) batch.del(`str:live:${i - 7}`, `other:live:${i - 7}`);
      if (i % 5 === 0) batch.pexpire(`str:live:${i}`, 3_600_000);
      if (i % 11 === 0) batch.mset(`str:m:${i}`, "x", `other:m:${i}`, "y");
      await batch.exec();
    }
  })();
  return {
    async stop() {
      running = false;
      await done;
      await redis.quit();
      return count;
    },
  };
}

integrationTest(
  "reshard: a mixed dataset split by regex matches the master key by key, with writes during and after the sync",
  async () => {
    const include = /^(str|hash|list|stream|zset|db1):/;
    const exclude = /large/;
    const selected = (key: Buffer) => {
      const text = key.toString();
      return include.test(text) && !exclude.test(text);
    };
    await using master = await startMaster({ rdb: await fixtureRdb("7.0.15") });
    await using proxy = await startReshard(master, { include, exclude });
    const writer = startWriter(master.port);
    await using replica = await startReplicaOf(proxy.port);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const writes = await writer.stop();
    assert.ok(writes > 20, `writer made ${writes} transactions`);
    const expected = await digests(master.port, selected);
    assert.ok([...expected.keys()].some((k) => k.startsWith("1/str:live:")), "db 1 has live keys");
    await waitFor(async () => {
      const actual = await digests(replica.port);
      return actual.size === expected.size && [...expected].every(([k, v]) => actual.get(k) === v);
    }, { timeoutMs: 10_000, message: "replica matches the master's selected keys" });
    assert.deepEqual(await digests(replica.port), expected);
  },
);

/** `remiro reshard` as its own process, so it can be killed with SIGKILL. */
function spawnReshard(args: string[]): { child: Deno.ChildProcess; stderr: () => string } {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", MAIN, "reshard", "-v", ...args],
    stdout: "null",
    stderr: "piped",
  }).spawn();
  let text = "";
  (async () => {
    for await (const chunk of child.stderr.pipeThrough(new TextDecoderStream())) text += chunk;
  })();
  return { child, stderr: () => text };
}

integrationTest(
  "reshard: killed with SIGKILL mid-stream and restarted, it continues both links: no duplicate, no gap",
  async () => {
    // The master must still hold the stream written while the proxy was down: a
    // loaded machine can take seconds to start it again.
    await using master = await startMaster({ args: ["--repl-backlog-size", "64mb"] });
    await using tmp = await tempDir();
    const proxyPort = freePort();
    const args = [
      "--master-port",
      String(master.port),
      "--proxy-port",
      String(proxyPort),
      "--checkpoint",
      `${tmp.path}/checkpoint.json`,
      "^k:",
    ];
    let proxy = spawnReshard(args);
    let replicaLog = () => "";
    try {
      await waitFor(() => proxy.stderr().includes("listening"), {
        timeoutMs: 10_000,
        message: "proxy started",
      });
      await using replica = await startReplicaOf(proxyPort);
      replicaLog = () => replica.output.split("\n").slice(-25).join("\n");
      await using redis = client(master.port);
      let running = true;
      let increments = 0;
      const writer = (async () => {
        while (running) {
          await redis.incr("k:counter");
          await redis.set(`k:${increments % 100}`, increments);
          await redis.set(`other:${increments % 100}`, increments);
          increments++;
        }
      })();
      // Stops the writer before its client goes, also when an assertion fails first.
      await using _stopWriter = {
        [Symbol.asyncDispose]: async () => {
          running = false;
          await writer.catch(() => {});
        },
      };
      await using replicaClient = client(replica.port);
      await waitFor(async () => Number(await replicaClient.get("k:counter")) > 200, {
        message: "stream flowing",
      });
      // Killed once it has recorded where it stands (it does every 100 ms), as in production.
      const checkpoint = `${tmp.path}/checkpoint.json`;
      await waitFor(async () => {
        const saved = JSON.parse(await Deno.readTextFile(checkpoint).catch(() => "{}"));
        return saved.proxyOffset > 0;
      }, { message: "a checkpoint past the snapshot was written" });
      proxy.child.kill("SIGKILL");
      await proxy.child.status;
      await new Promise((resolve) => setTimeout(resolve, 200));
      proxy = spawnReshard(args);
      await waitFor(() => proxy.stderr().includes("master continued replication"), {
        timeoutMs: 10_000,
        message: "proxy resumed from its checkpoint with a partial resync from the master",
      });
      await waitFor(() => /Successful partial resynchronization/.test(replica.output), {
        timeoutMs: 10_000,
        message: "replica continued through the restarted proxy",
      });
      await new Promise((resolve) => setTimeout(resolve, 300));
      running = false;
      await writer;
      const final = await redis.get("k:counter");
      assert.equal(Number(final), increments);
      await waitFor(async () => (await replicaClient.get("k:counter")) === final, {
        message: `replica counter reaches the master's ${final}`,
      });
      // The writer's last SETs follow its last INCR in the stream: a marker after them all.
      await redis.set("k:end", "1");
      await waitFor(async () => (await replicaClient.get("k:end")) === "1", {
        message: "the replica has the master's last write",
      });
      const selected = (key: Buffer) => key.toString().startsWith("k:");
      assert.deepEqual(await digests(replica.port), await digests(master.port, selected));
      assert.match(proxy.stderr(), /resuming from checkpoint/);
      const fullSyncs = replica.output.match(/MASTER <-> REPLICA sync: Flushing old data/g) ?? [];
      assert.equal(fullSyncs.length, 1, "the replica loaded a snapshot once, before the kill");
    } catch (error) {
      // What both sides said, for a failure that only shows on a loaded machine.
      (error as Error).message += `\nproxy log:\n${proxy.stderr()}\nreplica log:\n${replicaLog()}`;
      throw error;
    } finally {
      proxy.child.kill("SIGKILL");
      await proxy.child.status;
    }
  },
);

integrationTest(
  "reshard: replicas share one sync of a disk-saving master; one past a small backlog gets a fresh sync",
  async () => {
    await using master = await startMaster({ diskless: false });
    await using redis = client(master.port);
    await redis.mset("a:1", "x", "b:1", "y");
    const logs: string[] = [];
    await using proxy = await startReshard(master, {
      include: /^a:/,
      backlogBytes: 4096,
      log: (l) => logs.push(l),
    });
    await using first = await startReplicaOf(proxy.port);
    await using second = await startReplicaOf(proxy.port);
    const info = async () => await redis.info("stats");
    assert.match(await info(), /sync_full:1\r\n/, "one upstream full sync for both replicas");
    // More than the backlog holds: a replica arriving now cannot be served from the snapshot.
    for (let i = 0; i < 200; i++) await redis.set(`a:fill:${i}`, "z".repeat(100));
    await redis.rename("a:1", "b:2");
    await redis.flushall();
    await redis.select(3);
    await redis.set("a:after", "1");
    await using third = await startReplicaOf(proxy.port);
    assert.match(
      await info(),
      /sync_full:2\r\n/,
      "the late replica made the proxy fetch a fresh snapshot",
    );
    // The stream stays in db 3 without a new SELECT: the late replica must know where it is.
    await redis.set("a:late", "2");
    for (const replica of [first, second, third]) {
      await using r = client(replica.port, { db: 3 });
      await waitFor(async () => (await r.keys("*")).sort().join() === "a:after,a:late", {
        message: `replica ${replica.port} holds exactly a:after and a:late in db 3`,
      });
      assert.equal(await r.dbsize(), 2);
    }
    assert.ok(
      logs.some((l) => /dropped RENAME "a:1" "b:2"/.test(l)),
      "the rename across the filter was reported",
    );
    for (const replica of [first, second]) {
      const syncs = replica.output.match(/MASTER <-> REPLICA sync: Flushing old data/g) ?? [];
      assert.equal(syncs.length, 1, "replicas already streaming were not synced again");
    }
    const metrics = (await proxy.metrics.render()).body;
    assert.match(metrics, /remiro_reshard_commands_total\{result="mixed"\} 1/);
    assert.match(metrics, /remiro_reshard_full_syncs_total\{direction="upstream"\} 2/);
  },
);

integrationTest(
  "reshard: AUTH to the master, and a dropped master link continues with PSYNC",
  async () => {
    await using master = await startMaster({ password: "s3cret" });
    await using redis = client(master.port, { password: "s3cret" });
    await redis.set("k:before", "1");
    const logs: string[] = [];
    await using proxy = await startReshard(master, {
      include: /^k:/,
      log: (line) => logs.push(line),
    });
    proxy.options.master.password = "s3cret";
    await using replica = await startReplicaOf(proxy.port);
    await using r = client(replica.port);
    assert.equal(await r.get("k:before"), "1");
    await redis.call("CLIENT", "KILL", "TYPE", "replica");
    await redis.set("k:after", "2");
    await waitFor(async () => (await r.get("k:after")) === "2", {
      message: "writes flow after the link dropped",
    });
    assert.ok(logs.some((l) => /master continued replication/.test(l)), logs.join("\n"));
    assert.match(await redis.info("stats"), /sync_full:1\r\n/);
    assert.match(await redis.info("stats"), /sync_partial_ok:1\r\n/);
    const syncs = replica.output.match(/MASTER <-> REPLICA sync: Flushing old data/g) ?? [];
    assert.equal(syncs.length, 1, "the replica never needed another full sync");
  },
);

integrationTest(
  "reshard: a replica that stops reading is disconnected after the write timeout",
  async () => {
    await using master = await startMaster();
    const logs: string[] = [];
    await using proxy = await startReshard(master, {
      replicaWriteTimeoutMs: 300,
      log: (line) => logs.push(line),
    });
    await waitFor(() => proxy.master.streaming, { message: "proxy linked to the master" });
    // A replica that completes the handshake and then never reads.
    const conn = await Deno.connect({ hostname: "127.0.0.1", port: proxy.port });
    try {
      await conn.write(new TextEncoder().encode("PSYNC ? -1\r\n"));
      await using redis = client(master.port);
      const value = "x".repeat(64 * 1024);
      await waitFor(async () => {
        const batch = redis.pipeline();
        for (let i = 0; i < 64; i++) batch.set(`fill:${i}`, value);
        await batch.exec();
        return logs.some((l) => /disconnected: stopped reading/.test(l));
      }, { timeoutMs: 15_000, message: "the stalled replica was dropped" });
      const metrics = (await proxy.metrics.render()).body;
      assert.match(metrics, /remiro_reshard_replica_drops_total\{reason="stopped reading"\} 1/);
    } finally {
      conn.close();
    }
  },
);

integrationTest(
  "remiro reshard -i serves /health with the master and every replica, and /metrics",
  async () => {
    await using master = await startMaster();
    const proxyPort = freePort();
    const instruPort = freePort();
    const proxy = spawnReshard([
      "--master-port",
      String(master.port),
      "--proxy-port",
      String(proxyPort),
      "-i",
      String(instruPort),
      ".",
    ]);
    try {
      await waitFor(() => proxy.stderr().includes("metrics and health"), {
        timeoutMs: 10_000,
        message: "started",
      });
      await using replica = await startReplicaOf(proxyPort);
      const health = await fetch(`http://127.0.0.1:${instruPort}/health`);
      const body = await health.json();
      assert.equal(health.status, 200, JSON.stringify(body));
      assert.deepEqual(body.master, { status: "OK" });
      assert.deepEqual(Object.keys(body).filter((k) => k.startsWith("replica ")).length, 1);
      const metrics = await (await fetch(`http://127.0.0.1:${instruPort}/metrics`)).text();
      assert.match(metrics, /remiro_reshard_upstream_up 1/);
      assert.match(metrics, /remiro_reshard_replicas\{state="streaming"\} 1/);
      assert.match(metrics, /remiro_reshard_full_syncs_total\{direction="downstream"\} 1/);
      void replica;
    } finally {
      proxy.child.kill("SIGTERM");
      await proxy.child.status;
    }
  },
);

// Redis 6.2 is not packaged here; point REMIRO_REDIS_6_2 at a redis-server 6.2 binary to run
// this (the figures in the README were taken with one built from the 6.2.16 tag).
const redis62 = Deno.env.get("REMIRO_REDIS_6_2");
Deno.test({
  name: "reshard: a Redis 6.2 master split into a 6.2 and a 7.0 replica",
  ignore: !redis62,
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    await using master = await RedisServer.start({
      binary: redis62,
      args: ["--repl-diskless-sync", "yes", "--repl-diskless-sync-delay", "0"],
    });
    await using redis = client(master.port);
    await redis.mset("apple", "red", "banana", "yellow");
    await redis.xadd("avocado", "1-1", "f", "v");
    await using proxy = await startReshard(master, { include: /^a/ });
    const expected = ["apple", "avocado"];
    for (const binary of [redis62!, "redis-server"]) {
      await using replica = await RedisServer.start({ binary });
      await using r = client(replica.port);
      await r.call("REPLICAOF", "127.0.0.1", String(proxy.port));
      await waitFor(async () => (await r.keys("*")).sort().join() === [...expected].sort().join(), {
        timeoutMs: 15_000,
        message: `replica ${binary} holds the a* keys`,
      });
      assert.deepEqual(await r.xrange("avocado", "-", "+"), [["1-1", ["f", "v"]]]);
      const live = `a:live:${expected.length}`;
      await redis.set(`b:live:${expected.length}`, "x");
      await redis.set(live, "y");
      expected.push(live);
      await waitFor(async () => (await r.get(live)) === "y", { message: "live writes arrive" });
    }
  },
});
