/** `remiro replicate --mode live --source-cluster`: every master's keyspace events followed. */
import assert from "node:assert/strict";
import { KeySelector } from "../lib/rdb/mod.ts";
import {
  ClusterClient,
  formatReport,
  parseRedisUri,
  Replicator,
  SyncClient,
  verifyDatabases,
} from "../lib/sync/mod.ts";
import { startCluster } from "./_util/cluster.ts";
import { integrationTest } from "./_util/integration.ts";
import { RedisServer, waitFor } from "./_util/redis.ts";
import { uriOf } from "./_util/sync.ts";

integrationTest(
  "replicate: live from a Redis Cluster follows changes on every master",
  async () => {
    await using cluster = await startCluster();
    await using target = await RedisServer.start();
    const seed = parseRedisUri(`redis://${cluster.nodes[0].addr}`);
    const writer = await ClusterClient.open(seed, { name: "writer" });
    const checker = await SyncClient.open(uriOf(target), { name: "target" });
    const stop = Promise.withResolvers<void>();
    let run: Promise<void> | undefined;
    const replicator = await Replicator.open({
      source: seed,
      sourceCluster: true,
      target: uriOf(target),
      mode: "live",
      liveSource: "notifications",
      selector: new KeySelector(),
      batch: 50,
      threads: 4,
      enableNotifications: true,
      log: () => {},
    });
    try {
      for (let i = 0; i < 300; i++) await writer.call("SET", `k:${i}`, `v${i}`);
      run = replicator.run(stop.promise);
      await waitFor(() => replicator.stats.copied >= 300, {
        timeoutMs: 10_000,
        message: "the snapshot copied the keys",
      });
      // Changes after the snapshot, on keys of every master.
      for (let i = 0; i < 300; i++) {
        if (i % 3 === 0) await writer.call("SET", `k:${i}`, `changed ${i}`);
        if (i % 3 === 1) await writer.call("DEL", `k:${i}`);
        if (i % 3 === 2) await writer.call("HSET", `h:${i}`, "f", `${i}`);
      }
      await waitFor(async () => {
        const report = await verifyDatabases(writer, checker, {
          selector: new KeySelector(),
          ttlToleranceMs: 100,
        });
        return formatReport(report) === "OK:300 V:0 >:0 <:0 T:0";
      }, { timeoutMs: 15_000, message: "the target converged" });
      assert.ok(replicator.stats.live >= 300, `live changes copied: ${replicator.stats.live}`);
    } finally {
      stop.resolve();
      await run;
      replicator.close();
      writer.close();
      checker.close();
    }
  },
);
