/** `remiro replicate --mode live --source-cluster`: every master's keyspace events followed. */
import assert from "node:assert/strict";
import { KeySelector } from "../lib/rdb/mod.ts";
import type { Reply } from "../lib/resp/mod.ts";
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

/** A bulk reply's text; "" for anything else. */
const text = (reply: Reply | undefined) =>
  reply?.type === "bulk" ? new TextDecoder().decode(reply.value) : "";

/**
 * A three-master cluster, an empty target, and live replication between them (started by
 * `start`), with a cluster client to write through and one to read the target.
 */
async function liveFromCluster() {
  const cluster = await startCluster();
  const target = await RedisServer.start();
  const seed = parseRedisUri(`redis://${cluster.nodes[0].addr}`);
  const writer = await ClusterClient.open(seed, { name: "writer" });
  const checker = await SyncClient.open(uriOf(target), { name: "target" });
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
  const stop = Promise.withResolvers<void>();
  let running: Promise<void> | undefined;
  return {
    cluster,
    writer,
    replicator,
    start() {
      running = replicator.run(stop.promise);
    },
    /** Waits until the target holds exactly the source's keys, `keys` of them. */
    async converged(keys: number) {
      await waitFor(async () => {
        const report = await verifyDatabases(writer, checker, {
          selector: new KeySelector(),
          ttlToleranceMs: 100,
        });
        return formatReport(report) === `OK:${keys} V:0 >:0 <:0 T:0`;
      }, { timeoutMs: 15_000, message: "the target converged" });
    },
    async [Symbol.asyncDispose]() {
      stop.resolve();
      await running;
      replicator.close();
      writer.close();
      checker.close();
      await target.stop();
      await cluster[Symbol.asyncDispose]();
    },
  };
}

integrationTest(
  "replicate: live from a Redis Cluster follows changes on every master",
  async () => {
    await using live = await liveFromCluster();
    const { writer, replicator } = live;
    for (let i = 0; i < 300; i++) await writer.call("SET", `k:${i}`, `v${i}`);
    live.start();
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
    await live.converged(300);
    assert.ok(replicator.stats.live >= 300, `live changes copied: ${replicator.stats.live}`);
  },
);

integrationTest(
  "replicate: live from a Redis Cluster resubscribes with notifications on after a break",
  async () => {
    await using live = await liveFromCluster();
    const node = await SyncClient.open(uriOf(live.cluster.nodes[1]), { name: "node" });
    try {
      live.start();
      await waitFor(async () => text(await node.call("CLIENT", "LIST", "TYPE", "pubsub")) !== "", {
        timeoutMs: 5_000,
        message: "the node's keyspace events subscribed to",
      });
      // As on a replica promoted in a failover: the setting is each node's own, and its
      // subscriber is gone. The replicator must turn notifications on again there.
      await node.call("CONFIG", "SET", "notify-keyspace-events", "");
      await node.call("CLIENT", "KILL", "TYPE", "pubsub");
      await waitFor(async () => {
        const reply = await node.call("CONFIG", "GET", "notify-keyspace-events");
        return reply.type === "array" && text(reply.value[1]).includes("K");
      }, { timeoutMs: 10_000, message: "notifications on again on the node" });
      for (let i = 0; i < 200; i++) await live.writer.call("SET", `after:${i}`, `${i}`);
      await live.converged(200);
    } finally {
      node.close();
    }
  },
);
