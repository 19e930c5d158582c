import type { KeySelector } from "../rdb/mod.ts";
import { copyKeys, type CopyOptions, type CopyStats, newCopyStats } from "./key_copy.ts";
import { scanKeys } from "./key_scan.ts";
import { ensureNotifications, NotificationFeed } from "./notification_feed.ts";
import { newReplicateStats, type ReplicateStats } from "./progress.ts";
import type { RedisUri } from "./redis_uri.ts";
import { ReplicationFeed } from "./replication_feed.ts";
import { ClusterClient } from "./cluster_client.ts";
import type { RedisLink } from "./redis_link.ts";
import type { TlsOptions } from "../upstream/mod.ts";
import { replyInteger, SyncClient } from "./sync_client.ts";
import { probeServer } from "./verify.ts";
import type { Hooks } from "../hooks/mod.ts";

export interface ReplicateOptions {
  source: RedisUri;
  target: RedisUri;
  mode: "snapshot" | "live" | "live-only";
  liveSource: "notifications" | "replication";
  /**
   * How snapshot mode reads the source: "scan" (SCAN + DUMP, any Redis that allows DUMP) or
   * "replication" (the source's RDB over PSYNC, faster; needs the SYNC permission).
   */
  snapshotVia?: "scan" | "replication";
  selector: KeySelector;
  /** SCAN MATCH glob (also part of the selector). */
  match?: string;
  types?: ReadonlySet<string>;
  /** Keys per batch (default 50). */
  batch: number;
  /** Batches in flight at once (default 1). */
  threads: number;
  memLimit?: number;
  enableNotifications: boolean;
  /** The source or target is a Redis Cluster (the URI names any of its nodes). */
  sourceCluster?: boolean;
  /**
   * Live from a cluster: how often its masters are listed again (default 5000 ms); a master
   * that appeared (a failover, a resharding) is subscribed to, and the source rescanned.
   */
  clusterCheckMs?: number;
  targetCluster?: boolean;
  tls?: TlsOptions;
  log: (message: string) => void;
  /** User hooks and change sinks (`--hooks`, `--on-change`), for every path. */
  hooks?: Hooks;
}

/** A combination of options the replicator cannot run (a cluster over the replication stream). */
export class ReplicateOptionsError extends TypeError {
  override name = "ReplicateOptionsError";
}

/**
 * `remiro replicate`: copies keys from source to target by SCAN + DUMP/RESTORE (snapshot), and
 * keeps copying changes (live) from keyspace notifications or from the source's replication
 * stream, until stopped. Nothing stops silently: broken connections are retried with back-off,
 * failed keys are retried and counted.
 */
export class Replicator {
  readonly stats: ReplicateStats = newReplicateStats();
  readonly source: RedisLink;
  readonly target: RedisLink;
  #notifications: NotificationFeed | undefined;
  #replication: ReplicationFeed | undefined;
  #stopped = false;

  private constructor(readonly options: ReplicateOptions, source: RedisLink, target: RedisLink) {
    this.source = source;
    this.target = target;
  }

  static async open(options: ReplicateOptions): Promise<Replicator> {
    const replication = options.snapshotVia === "replication" ||
      (options.mode !== "snapshot" && options.liveSource === "replication");
    if (replication && (options.sourceCluster || options.targetCluster)) {
      throw new ReplicateOptionsError(
        "a Redis Cluster is copied by SCAN, not over the replication stream",
      );
    }
    const common = { tls: options.tls, log: options.log };
    const open = (uri: RedisUri, name: string, cluster?: boolean): Promise<RedisLink> =>
      cluster
        ? ClusterClient.open(uri, { name, ...common })
        : SyncClient.open(uri, { name, ...common });
    const source = await open(options.source, "source", options.sourceCluster);
    let target: RedisLink;
    try {
      target = await open(options.target, "target", options.targetCluster);
    } catch (error) {
      source.close();
      throw error;
    }
    return new Replicator(options, source, target);
  }

  close(): void {
    this.#stopped = true;
    this.#notifications?.close();
    this.#replication?.close();
    this.source.close();
    this.target.close();
  }

  /** Runs the chosen mode; live modes run until `stop` resolves. */
  async run(stop: Promise<unknown>): Promise<void> {
    const { options } = this;
    for (const node of this.source.nodes()) {
      this.stats.total += replyInteger(await node.call("DBSIZE")) || 0;
    }
    // On stop, the feeds stop taking changes; what they already received is still applied.
    const stopped = stop.then(async () => {
      this.#stopped = true;
      this.#notifications?.close();
      await this.settle();
      this.#replication?.close();
    });
    if (options.mode !== "snapshot" && options.liveSource === "replication") {
      await this.#liveFromReplication(stopped);
      return;
    }
    if (options.mode === "snapshot" && options.snapshotVia === "replication") {
      await this.#snapshotFromReplication();
      return;
    }
    if (options.mode !== "snapshot") {
      // Subscribed before the snapshot starts: a change made during it is copied again after.
      this.#notifications = await this.#subscribe();
      // Stopped while subscribing: there is nothing received to apply.
      if (this.#stopped) {
        this.#notifications.close();
        return;
      }
    }
    if (options.mode !== "live-only") await this.snapshot();
    if (this.#notifications) await this.#liveFromNotifications(this.#notifications);
  }

  /**
   * Keyspace notifications of the source, of the server or of every master of a cluster,
   * turned on (a per-node setting) and subscribed to on one list of masters, so that no master
   * is subscribed to with notifications off.
   */
  async #subscribe(): Promise<NotificationFeed> {
    const source = this.source;
    const masters = source instanceof ClusterClient ? source.masters() : undefined;
    for (const node of masters ?? [source]) {
      await ensureNotifications(node, this.options.enableNotifications);
    }
    const uris = masters?.map((master) => master.uri) ?? [this.options.source];
    const feed = new NotificationFeed(uris, this.options.tls);
    await feed.start();
    return feed;
  }

  async #copyOptions(hookSource: "snapshot" | "copy"): Promise<CopyOptions> {
    const { expiryCommand } = await probeServer(this.source);
    const { options } = this;
    return {
      selector: options.selector,
      types: options.types,
      memLimit: options.memLimit,
      expiryCommand,
      log: options.log,
      hooks: options.hooks,
      db: options.source.db,
      hookSource,
    };
  }

  /** One SCAN pass copying every selected key; failed keys are retried three times. */
  async snapshot(): Promise<void> {
    const { options, stats } = this;
    const copy = await this.#copyOptions("snapshot");
    const copyStats = newCopyStats();
    const sync = () => Object.assign(stats, copyStats);
    let failed: Uint8Array[] = [];
    const inFlight = new Set<Promise<void>>();
    const scanType = options.types?.size === 1 ? [...options.types][0] : undefined;
    const batches = async function* (nodes: RedisLink[]) {
      for (const node of nodes) {
        yield* scanKeys(node, { match: options.match, type: scanType, count: 1000 });
      }
    };
    for await (const keys of batches(this.source.nodes())) {
      if (this.#stopped) break;
      stats.scanned += keys.length;
      for (let i = 0; i < keys.length; i += options.batch) {
        const work = copyKeys(
          this.source,
          this.target,
          keys.slice(i, i + options.batch),
          copy,
          copyStats,
        )
          .then((bad) => {
            failed.push(...bad);
            sync();
          });
        inFlight.add(work);
        work.finally(() => inFlight.delete(work));
        if (inFlight.size >= options.threads) await Promise.race(inFlight);
      }
    }
    await Promise.all(inFlight);
    for (let attempt = 1; attempt <= 3 && failed.length && !this.#stopped; attempt++) {
      options.log(`retrying ${failed.length} keys that failed (attempt ${attempt})`);
      const retry = failed;
      failed = [];
      copyStats.failed -= retry.length;
      for (let i = 0; i < retry.length; i += options.batch) {
        failed.push(
          ...await copyKeys(
            this.source,
            this.target,
            retry.slice(i, i + options.batch),
            copy,
            copyStats,
          ),
        );
      }
    }
    sync();
  }

  async #liveFromNotifications(feed: NotificationFeed): Promise<void> {
    const copy = await this.#copyOptions("copy");
    const copyStats = newCopyStats();
    Object.assign(copyStats, this.stats);
    const watch = this.#watchMasters();
    try {
      await this.#followFeed(feed, copy, copyStats);
    } finally {
      clearInterval(watch);
    }
  }

  /**
   * A cluster's events are each master's own: when the masters change without any
   * subscription breaking (a slot moved to a new master), the feed is treated as lost, so the
   * new masters are subscribed to and the source rescanned.
   */
  #watchMasters(): ReturnType<typeof setInterval> | undefined {
    const source = this.source;
    if (!(source instanceof ClusterClient)) return undefined;
    const addresses = () => source.masters().map((node) => node.uri.addrText).sort().join(",");
    // Ticks that overlap share one refresh (ClusterClient.refresh is single-flight).
    return setInterval(async () => {
      const feed = this.#notifications;
      if (feed === undefined || feed.lost) return;
      try {
        const subscribed = feed.sources.map((uri) => uri.addrText).sort().join(",");
        await source.refresh();
        if (addresses() !== subscribed) feed.markLost();
      } catch (error) {
        this.options.log(`listing the cluster's masters failed: ${(error as Error).message}`);
      }
    }, this.options.clusterCheckMs ?? 5000);
  }

  async #followFeed(
    feed: NotificationFeed,
    copy: CopyOptions,
    copyStats: CopyStats,
  ): Promise<void> {
    while (!this.#stopped) {
      if (feed.lost) {
        this.options.log(
          "keyspace notifications were interrupted or the cluster's masters changed: " +
            "subscribing again and rescanning",
        );
        feed.close();
        // Changes received but not applied yet: the rescan copies keys that exist, not deletes.
        const received = await feed.take(feed.pending);
        // A cluster's masters may have changed (a failover, for one): subscribe to today's.
        if (this.source instanceof ClusterClient) await this.source.refresh();
        const again = await this.#subscribe();
        again.requeue(received);
        this.#notifications = feed = again;
        await this.snapshot();
        Object.assign(copyStats, this.stats);
        continue;
      }
      const keys = await feed.take(this.options.batch);
      if (keys.length === 0) continue;
      await this.#copyLive(keys, copy, copyStats);
    }
    // Stopped: copy what was received before the subscription closed.
    while (feed.pending) await this.#copyLive(await feed.take(this.options.batch), copy, copyStats);
  }

  /** Copies changed keys (deleting those gone) and folds the counts into the run's stats. */
  async #copyLive(keys: Uint8Array[], copy: CopyOptions, copyStats: CopyStats): Promise<void> {
    this.stats.live += keys.length;
    const failed = await copyKeys(this.source, this.target, keys, copy, copyStats);
    // Failed keys go back into the queue; the count says how many failures there were.
    this.#notifications?.requeue(failed);
    const { live, total, scanned } = this.stats;
    Object.assign(this.stats, copyStats, { live, total, scanned });
  }

  /** The target as one server: open() allows the replication paths for single servers only. */
  get #singleTarget(): SyncClient {
    return this.target as SyncClient;
  }

  async #snapshotFromReplication(): Promise<void> {
    const { options } = this;
    const feed = new ReplicationFeed(
      options.source,
      this.#singleTarget,
      options.selector,
      options.log,
      true,
      options.hooks,
    );
    this.#replication = feed;
    await feed.run();
    Object.assign(this.stats, {
      scanned: feed.stats.restored,
      copied: feed.stats.applied,
      failed: feed.stats.errors,
    });
  }

  async #liveFromReplication(stopped: Promise<void>): Promise<void> {
    const feed = new ReplicationFeed(
      this.options.source,
      this.#singleTarget,
      this.options.selector,
      this.options.log,
      false,
      this.options.hooks,
    );
    this.#replication = feed;
    const running = feed.run();
    const update = setInterval(() => {
      this.stats.copied = feed.stats.restored;
      this.stats.scanned = feed.stats.restored;
      this.stats.live = feed.stats.applied;
      this.stats.failed = feed.stats.errors;
    }, 200);
    // A hook failing under the `stop` policy ends the feed before any stop is asked for.
    await Promise.race([stopped, running]).finally(() => clearInterval(update));
    await running;
  }

  /** Waits until the live feed has applied everything it received (before verifying). */
  async settle(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const pending = (this.#notifications?.pending ?? 0) + (this.#replication?.backlog ?? 0);
      if (pending === 0) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}
