/** `remiro replicate --mode live --source-cluster`: every master's keyspace events followed. */
import assert from "node:assert/strict";
import { KeySelector } from "../lib/rdb/mod.ts";
import type { Reply } from "../lib/resp/mod.ts";
import { keySlot } from "../lib/shard/mod.ts";
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
import { freePort, RedisServer, waitFor } from "./_util/redis.ts";
import { uriOf } from "./_util/sync.ts";

/** A bulk reply's text; "" for anything else. */
const text = (reply: Reply | undefined) =>
  reply?.type === "bulk" ? new TextDecoder().decode(reply.value) : "";

/**
 * A three-master cluster, an empty target, and live replication between them (started by
 * `start`), with a cluster client to write through and one to read the target.
 */
async function liveFromCluster(clusterCheckMs?: number) {
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
    clusterCheckMs,
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

integrationTest(
  "replicate: live from a Redis Cluster follows a master added by resharding",
  async () => {
    const port = freePort();
    await using added = await RedisServer.start({
      port,
      args: [
        ...["--cluster-enabled", "yes", "--cluster-config-file", `nodes-${port}.conf`],
        ...["--cluster-node-timeout", "2000"],
      ],
    });
    // Declared after the added node, so that replication stops before that node does.
    await using live = await liveFromCluster(200);
    const [seed] = live.cluster.nodes;
    const node = await SyncClient.open(uriOf(added), { name: "added" });
    try {
      live.start();
      await redisCli("--cluster", "add-node", added.addr, seed.addr);
      await clusterStateOk(node);
      // Gossip takes a moment after add-node: a node that has not heard of the new one yet
      // refuses to hand it a slot, and redis-cli refuses to reshard a cluster whose nodes
      // disagree about the slots.
      const newId = text(await node.call("CLUSTER", "MYID"));
      await waitFor(
        async () =>
          (await knowsNode(live.cluster.nodes, newId)) &&
          (await cliSucceeds("--cluster", "check", seed.addr)),
        {
          timeoutMs: 15_000,
          message: "every node knows the new one and they agree about the slots",
        },
      );
      // One slot moves to the new master, as an operator's resharding would move it.
      await redisCli(
        ...["--cluster", "reshard", seed.addr, "--cluster-to", newId, "--cluster-from", "all"],
        ...["--cluster-slots", "1", "--cluster-yes"],
      );
      const slot = await firstSlotOf(node);
      await waitFor(async () => text(await node.call("CLIENT", "LIST", "TYPE", "pubsub")) !== "", {
        timeoutMs: 10_000,
        message: "the new master's keyspace events subscribed to",
      });
      const tag = tagOfSlot(slot);
      for (let i = 0; i < 50; i++) await live.writer.call("SET", `{${tag}}:${i}`, `${i}`);
      assert.equal(text(await node.call("GET", `{${tag}}:7`)), "7", "written on the new master");
      await live.converged(50);
    } finally {
      node.close();
    }
  },
);

async function clusterStateOk(node: SyncClient): Promise<void> {
  await waitFor(async () => text(await node.call("CLUSTER", "INFO")).includes("state:ok"), {
    timeoutMs: 15_000,
    message: "the new node's cluster state is ok",
  });
}

/** The first slot a master serves, from its own CLUSTER SLOTS. */
async function firstSlotOf(node: SyncClient): Promise<number> {
  const myself = text(await node.call("CLUSTER", "MYID"));
  const reply = await node.call("CLUSTER", "SLOTS");
  if (reply.type !== "array") throw new Error("CLUSTER SLOTS failed");
  for (const range of reply.value) {
    if (range.type !== "array") continue;
    const [start, , master] = range.value;
    if (master?.type !== "array" || text(master.value[2]) !== myself) continue;
    if (start.type === "integer") return Number(start.value);
  }
  throw new Error(`${myself} serves no slot`);
}

/** A hash tag whose keys go to `slot`. */
function tagOfSlot(slot: number): string {
  const encoder = new TextEncoder();
  for (let i = 0;; i++) if (keySlot(encoder.encode(`t${i}`)) === slot) return `t${i}`;
}

/** Whether every one of `nodes` lists `id` in its CLUSTER NODES. */
async function knowsNode(nodes: RedisServer[], id: string): Promise<boolean> {
  for (const server of nodes) {
    const client = await SyncClient.open(uriOf(server), { name: "gossip-check" });
    try {
      if (!text(await client.call("CLUSTER", "NODES")).includes(id)) return false;
    } finally {
      client.close();
    }
  }
  return true;
}

async function redisCli(...args: string[]): Promise<void> {
  const result = await runCli(args);
  if (result.success) return;
  // redis-cli --cluster prints its reasons on stdout.
  const decoder = new TextDecoder();
  throw new Error(
    `redis-cli ${args.join(" ")} failed:\n${decoder.decode(result.stdout)}${
      decoder.decode(result.stderr)
    }`,
  );
}

async function cliSucceeds(...args: string[]): Promise<boolean> {
  return (await runCli(args)).success;
}

function runCli(args: string[]): Promise<Deno.CommandOutput> {
  return new Deno.Command("redis-cli", { args, stdout: "piped", stderr: "piped" }).output();
}
