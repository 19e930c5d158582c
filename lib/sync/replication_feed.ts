import { type EntryParts, KeySelector, keyToText, RdbParser, type RdbRecord } from "../rdb/mod.ts";
import { HookedSnapshot } from "./hooked_snapshot.ts";
import { MasterLink, StreamFilter } from "../replication/mod.ts";
import {
  HookFailedError,
  type Hooks,
  hookStream,
  StepChain,
  type StreamCommand,
} from "../hooks/mod.ts";
import { encodeCommand } from "../resp/mod.ts";
import type { RedisUri } from "./redis_uri.ts";
import { type FeedPosition, isOwnKey, readCheckpoint } from "./feed_checkpoint.ts";
import type { SyncClient } from "./sync_client.ts";
import { TargetQueue } from "./target_queue.ts";

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

/**
 * Live replication from the source's replication stream (`--live-source replication`): the
 * replicator is a replica of the source, so nothing is missed, whatever notify-keyspace-events
 * says. The snapshot's entries are RESTOREd (`ABSTTL REPLACE`, byte-exact payloads) and the
 * stream's commands are applied in order, both through the same key filter as reshard. The
 * source's link is paused while the target is behind. Stream commands go in transactions that
 * also record the position in the target (see TargetQueue), so a restarted run continues
 * with PSYNC exactly after the last applied command. If the target fails, the feed continues
 * from the position the target holds, or takes a full sync, which RESTORE ... REPLACE makes safe.
 */
export class ReplicationFeed {
  readonly stats: FeedStats = { restored: 0, applied: 0, errors: 0, fullSyncs: 0 };
  #link: MasterLink | undefined;
  /** With hooks: link events waiting for the hooks and sinks. */
  #chain: StepChain | undefined;
  readonly #queue: TargetQueue;
  #closed = false;
  /** True once the first snapshot is on the target and commands are flowing. */
  streaming = false;

  constructor(
    readonly source: RedisUri,
    readonly target: SyncClient,
    readonly selector: KeySelector,
    readonly log: (message: string) => void,
    /** Stop once the source's snapshot is applied (snapshot mode over replication). */
    readonly snapshotOnly = false,
    /** User hooks and change sinks, run on every entry and command before the target. */
    readonly hooks: Hooks = {},
  ) {
    this.#queue = new TargetQueue(target, this.stats, log, () => this.#link);
  }

  /** Commands handed over and not yet applied. */
  get backlog(): number {
    return this.#queue.backlog + (this.#chain?.pending ?? 0);
  }

  close(): void {
    this.#closed = true;
    this.#link?.close();
    this.#queue.close();
  }

  /**
   * Replicates until {@link close}. A dropped source link continues with PSYNC once everything
   * it delivered was applied; a failed target means a full sync.
   */
  async run(): Promise<void> {
    let delay = 100;
    while (!this.#closed) {
      // Where the target stands: it applied the stream up to its checkpoint, atomically.
      const resume = this.snapshotOnly
        ? undefined
        : await readCheckpoint(this.target).catch(() => undefined);
      this.#queue.reset();
      const worker = this.#queue.apply();
      try {
        await this.#replicate(resume);
        delay = 100;
      } catch (error) {
        if (!this.#closed) this.log(`replication from the source: ${(error as Error).message}`);
      }
      this.#link?.close();
      this.#queue.end();
      await worker;
      const failure = this.#queue.failure;
      if (failure instanceof HookFailedError) throw failure;
      if (this.#closed || (this.snapshotOnly && this.streaming && !failure)) return;
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, 5000);
    }
  }

  async #replicate(resume: FeedPosition | undefined): Promise<void> {
    const hooked = this.hooks.runner !== undefined || this.hooks.delivery?.active === true;
    // With hooks, the selector is applied with them (to the source's key names, before renames).
    const filter = new StreamFilter(hooked ? new KeySelector() : this.selector, (name) => {
      this.log(`dropped ${name.toUpperCase()}: its keys are on both sides of the filter`);
    });
    if (resume) filter.db = resume.db;
    let parser: RdbParser | undefined;
    let db = -1;
    let version = 10;
    const select = (entryDb: number) => {
      if (entryDb === db) return;
      this.#queue.flushRestores();
      this.#queue.push({
        frame: encodeCommand(["SELECT", String(db = entryDb)]).slice(),
        stream: false,
      });
    };
    const restore = (entry: EntryParts & { db: number }, rdbVersion: number) => {
      select(entry.db);
      this.#queue.restore(entry, rdbVersion);
      this.stats.restored++;
    };
    const onRecord = (record: RdbRecord) => {
      if (record.kind === "header") version = record.version;
      if (record.kind !== "entry" || !this.selector.matches(record.entry.key)) return;
      if (!isOwnKey(record.entry.key)) restore(record.entry, version);
    };
    // With hooks, everything the link delivers goes through one ordered chain of async steps:
    // entries and commands are passed to the hooks in batches, and events are acknowledged by
    // the sinks before the commands that caused them are queued for the target.
    const chain = this.#chain = new StepChain((error) => {
      this.#queue.failure = error;
      link.close();
    }, () => this.#queue.hasRoom);
    const step = (work: () => Promise<void> | void) => chain.step(link, work);
    const snapshot = new HookedSnapshot(
      this.hooks,
      this.selector,
      (entry, rdbVersion) =>
        restore({ ...entry, type: entry.type!, payload: entry.payload! }, rdbVersion),
      (frame, count, entryDb) => {
        select(entryDb);
        this.#queue.flushRestores();
        this.#queue.push({ frame, count, stream: false });
        this.stats.restored += count;
      },
    );
    const onHookedRecord = (record: RdbRecord) => {
      const write = snapshot.add(record);
      if (write) step(write);
    };
    const onStream = async (commands: StreamCommand[], offset: number, replid: string) => {
      const hooked = await hookStream(
        commands,
        offset,
        replid,
        filter.db,
        this.selector,
        this.hooks,
      );
      let running = offset - commands.reduce((n, c) => n + c.bytes, 0);
      hooked.forEach((command, i) => {
        running += commands[i].bytes;
        if (command.dropped === "mixed") {
          this.log(`dropped ${keyToText(command.args[0])}: hooks kept part of its keys`);
        }
        const result = command.dropped ? undefined : filter.filter(command.args, command.raw);
        const output = result?.transactionMarker ? undefined : result?.output;
        const position = filter.inTransaction
          ? undefined
          : { replid, offset: running, db: filter.db };
        if ((output && command.args.length) || position) {
          this.#queue.push({
            frame: output && command.args.length ? output.slice() : undefined,
            stream: true,
            position,
          });
        }
      });
    };
    const snapshotQueued = () => {
      this.#queue.flushRestores();
      this.streaming = true;
      this.log(`snapshot of the source queued: ${this.stats.restored} keys`);
      if (this.snapshotOnly) link.close();
      // The snapshot is the position of its +FULLRESYNC; the stream starts with a SELECT.
      else {
        this.#queue.push({
          stream: true,
          position: { replid: link.replid, offset: link.offset, db: 0 },
        });
      }
    };
    const link = new MasterLink({
      hostname: this.source.addr.hostname,
      port: this.source.addr.port,
      username: this.source.username,
      password: this.source.password,
      tls: this.source.tls ? this.target.options.tls ?? {} : undefined,
      listeningPort: 0,
      resume: resume ? { replid: resume.replid, offset: resume.offset } : undefined,
      events: {
        fullSync: (replid, offset) => {
          this.stats.fullSyncs++;
          parser = new RdbParser();
          snapshot.start(replid, offset);
        },
        rdbChunk: (chunk) => {
          parser!.push(chunk);
          const handle = hooked ? onHookedRecord : onRecord;
          for (let r = parser!.next(); r; r = parser!.next()) handle(r);
        },
        rdbEnd: () => {
          parser!.end();
          const handle = hooked ? onHookedRecord : onRecord;
          for (let r = parser!.next(); r; r = parser!.next()) handle(r);
          if (hooked) {
            const write = snapshot.flush();
            return step(() => write().then(snapshotQueued));
          }
          snapshotQueued();
        },
        continued: () => {
          const resumed = () => {
            this.streaming = true;
            this.log(`source continued replication from offset ${link.offset}`);
            // The stream goes on in the database it was in; the target connection must too.
            // The point of continuing is a position too: the SELECT need not wait for the
            // next command to be applied (a stop would otherwise wait for the source's PING).
            this.#queue.push({
              frame: encodeCommand(["SELECT", String(filter.db)]).slice(),
              stream: true,
              position: { replid: link.replid, offset: link.offset, db: filter.db },
            });
          };
          if (hooked) step(resumed);
          else resumed();
        },
        commands: (commands, offset) => {
          if (hooked) {
            const replid = link.replid;
            return step(() => onStream(commands, offset, replid));
          }
          let running = offset - commands.reduce((n, c) => n + c.bytes, 0);
          for (const command of commands) {
            running += command.bytes;
            const result = filter.filter(command.args, command.raw);
            // MULTI and EXEC of the source are dropped: each batch is a transaction already.
            const output = result.transactionMarker ? undefined : result.output;
            const position = filter.inTransaction
              ? undefined
              : { replid: link.replid, offset: running, db: filter.db };
            if ((output && command.args.length) || position) {
              this.#queue.push({
                frame: output && command.args.length ? output.slice() : undefined,
                stream: true,
                position,
              });
            }
          }
        },
      },
    });
    this.#link = link;
    await link.run();
    await chain.idle();
    if (this.#queue.failure) throw this.#queue.failure;
  }
}
