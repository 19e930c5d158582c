import { type KeySelector, RdbParser, type RdbRecord } from "../rdb/mod.ts";
import { MasterLink, StreamFilter } from "../replication/mod.ts";
import { encodeCommand, errorMessage } from "../resp/mod.ts";
import type { RedisUri } from "./redis_uri.ts";
import { encodeRestore } from "./restore_command.ts";
import type { SyncClient } from "./sync_client.ts";

export interface FeedStats {
  /** Keys restored from the source's snapshot. */
  restored: number;
  /** Stream commands applied to the target. */
  applied: number;
  /** Commands the target answered with an error. */
  errors: number;
  /** Full syncs taken from the source. */
  fullSyncs: number;
}

/** Stop reading the source while this many commands wait for the target. */
const HIGH_WATER = 50_000;
const BATCH = 1000;
const IN_FLIGHT = 16;

/**
 * Live replication from the source's replication stream (`--live-source replication`): the
 * replicator is a replica of the source, so nothing is missed, whatever notify-keyspace-events
 * says. The snapshot's entries are RESTOREd (`ABSTTL REPLACE`, byte-exact payloads) and the
 * stream's commands are applied in order, both through the same key filter as reshard. The
 * source's link is paused while the target is behind. If the target fails, applying a command
 * twice could be wrong (INCR), so the feed starts over with a full sync, which RESTORE ...
 * REPLACE makes safe.
 */
export class ReplicationFeed {
  readonly stats: FeedStats = { restored: 0, applied: 0, errors: 0, fullSyncs: 0 };
  #link: MasterLink | undefined;
  #queue: Uint8Array[] = [];
  #closed = false;
  #wake: (() => void) | undefined;
  #failure: Error | undefined;
  /** The current link has ended: the worker drains the queue and stops. */
  #ended = false;
  /** True once the first snapshot is on the target and commands are flowing. */
  streaming = false;

  constructor(
    readonly source: RedisUri,
    readonly target: SyncClient,
    readonly selector: KeySelector,
    readonly log: (message: string) => void,
    /** Stop once the source's snapshot is applied (snapshot mode over replication). */
    readonly snapshotOnly = false,
  ) {}

  /** Commands handed over and not yet applied. */
  get backlog(): number {
    return this.#queue.length;
  }

  close(): void {
    this.#closed = true;
    this.#link?.close();
    this.#wake?.();
  }

  /**
   * Replicates until {@link close}. A dropped source link continues with PSYNC once everything
   * it delivered was applied; a failed target means a full sync.
   */
  async run(): Promise<void> {
    let delay = 100;
    let resume: { replid: string; offset: number } | undefined;
    while (!this.#closed) {
      this.#queue = [];
      this.#failure = undefined;
      this.#ended = false;
      const worker = this.#apply();
      try {
        await this.#replicate(resume);
        delay = 100;
      } catch (error) {
        if (!this.#closed) this.log(`replication from the source: ${(error as Error).message}`);
      }
      this.#link?.close();
      this.#ended = true;
      this.#wake?.();
      await worker;
      if (this.#closed || (this.snapshotOnly && this.streaming && !this.#failure)) return;
      const link = this.#link;
      resume = !this.#failure && link?.streaming
        ? { replid: link.replid, offset: link.offset }
        : undefined;
      if (!resume) this.streaming = false;
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, 5000);
    }
  }

  async #replicate(resume: { replid: string; offset: number } | undefined): Promise<void> {
    const filter = new StreamFilter(this.selector, (name) => {
      this.log(`dropped ${name.toUpperCase()}: its keys are on both sides of the filter`);
    });
    let parser: RdbParser | undefined;
    let db = -1;
    let version = 10;
    const onRecord = (record: RdbRecord) => {
      if (record.kind === "header") version = record.version;
      if (record.kind !== "entry" || !this.selector.matches(record.entry.key)) return;
      const { entry } = record;
      if (entry.db !== db) this.#push(encodeCommand(["SELECT", String(db = entry.db)]).slice());
      this.#push(encodeRestore(entry, version));
      this.stats.restored++;
    };
    const link = new MasterLink({
      hostname: this.source.addr.hostname,
      port: this.source.addr.port,
      username: this.source.username,
      password: this.source.password,
      tls: this.source.tls ? { caCerts: this.target.options.caCerts } : undefined,
      listeningPort: 0,
      resume,
      events: {
        fullSync: () => {
          this.stats.fullSyncs++;
          parser = new RdbParser();
        },
        rdbChunk: (chunk) => {
          parser!.push(chunk);
          for (let r = parser!.next(); r; r = parser!.next()) onRecord(r);
        },
        rdbEnd: () => {
          parser!.end();
          for (let r = parser!.next(); r; r = parser!.next()) onRecord(r);
          this.streaming = true;
          this.log(`snapshot of the source queued: ${this.stats.restored} keys`);
          if (this.snapshotOnly) link.close();
        },
        continued: () => this.log("source continued replication from where it stopped"),
        commands: (commands) => {
          for (const command of commands) {
            const result = filter.filter(command.args, command.raw);
            if (result.output && command.args.length) this.#push(result.output.slice());
          }
        },
      },
    });
    this.#link = link;
    await link.run();
    if (this.#failure) throw this.#failure;
  }

  #push(frame: Uint8Array): void {
    this.#queue.push(frame);
    if (this.#queue.length >= HIGH_WATER) this.#link?.pause();
    this.#wake?.();
  }

  /**
   * Applies queued commands in order, in pipelined batches with several batches in flight (one
   * connection keeps them in order), so the target never waits for the next batch.
   */
  async #apply(): Promise<void> {
    const inFlight = new Set<Promise<void>>();
    const settle = (frames: Uint8Array[]) => {
      for (const frame of frames) {
        const error = errorMessage(frame);
        if (error === undefined) this.stats.applied++;
        else {
          this.stats.errors++;
          this.log(`target: ${error}`);
        }
      }
    };
    try {
      while (true) {
        if (this.#queue.length === 0) {
          if (inFlight.size) {
            await Promise.race(inFlight);
            continue;
          }
          if (this.#closed || this.#failure || this.#ended) return;
          await new Promise<void>((resolve) => (this.#wake = resolve));
          continue;
        }
        const batch = this.#queue.splice(0, BATCH);
        if (this.#queue.length < HIGH_WATER / 2) this.#link?.resume();
        const sent: Promise<void> = this.target.sendEncoded(batch).then(settle);
        inFlight.add(sent);
        sent.then(() => inFlight.delete(sent), () => {});
        if (inFlight.size >= IN_FLIGHT) await Promise.race(inFlight);
      }
    } catch (error) {
      this.#failure = new Error(`target failed: ${(error as Error).message}; syncing again`);
      this.#queue = [];
      this.#link?.close();
      await Promise.allSettled(inFlight);
    }
  }
}
