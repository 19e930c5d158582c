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
import { decodeReply, encodeCommand, errorMessage, type Reply } from "../resp/mod.ts";
import type { RedisUri } from "./redis_uri.ts";
import { RestoreWriter } from "./restore_command.ts";
import {
  type FeedPosition,
  isOwnKey,
  MULTI_FRAME,
  readCheckpoint,
  withCheckpoint,
} from "./feed_checkpoint.ts";
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
 * One command for the target. Stream commands carry, when they end outside a transaction, the
 * position they lead to: the places a batch may end and a checkpoint may be taken.
 */
interface QueueItem {
  frame?: Uint8Array;
  /** Commands in `frame` (several RESTOREs written back to back); 1 when absent. */
  count?: number;
  stream: boolean;
  position?: FeedPosition;
}

/**
 * Live replication from the source's replication stream (`--live-source replication`): the
 * replicator is a replica of the source, so nothing is missed, whatever notify-keyspace-events
 * says. The snapshot's entries are RESTOREd (`ABSTTL REPLACE`, byte-exact payloads) and the
 * stream's commands are applied in order, both through the same key filter as reshard. The
 * source's link is paused while the target is behind. Stream commands go in transactions that
 * also record the position in the target ({@link withCheckpoint}), so a restarted run continues
 * with PSYNC exactly after the last applied command. If the target fails, the feed continues
 * from the position the target holds, or takes a full sync, which RESTORE ... REPLACE makes safe.
 */
export class ReplicationFeed {
  readonly stats: FeedStats = { restored: 0, applied: 0, errors: 0, fullSyncs: 0 };
  #link: MasterLink | undefined;
  /** With hooks: link events waiting for the hooks and sinks. */
  #chain: StepChain | undefined;
  #queue: QueueItem[] = [];
  /** Commands waiting in the queue (items may hold many). */
  #queued = 0;
  readonly #restores = new RestoreWriter();
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
    /** User hooks and change sinks, run on every entry and command before the target. */
    readonly hooks: Hooks = {},
  ) {}

  /** Commands handed over and not yet applied. */
  get backlog(): number {
    return this.#queued + this.#restores.count + (this.#chain?.pending ?? 0);
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
    while (!this.#closed) {
      // Where the target stands: it applied the stream up to its checkpoint, atomically.
      const resume = this.snapshotOnly
        ? undefined
        : await readCheckpoint(this.target).catch(() => undefined);
      this.#queue = [];
      this.#queued = 0;
      this.#restores.take();
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
      const failure = this.#failure as Error | undefined;
      if (failure instanceof HookFailedError) throw failure;
      if (this.#closed || (this.snapshotOnly && this.streaming && !this.#failure)) return;
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
      this.#flushRestores();
      this.#push({ frame: encodeCommand(["SELECT", String(db = entryDb)]).slice(), stream: false });
    };
    const restore = (entry: EntryParts & { db: number }, rdbVersion: number) => {
      select(entry.db);
      this.#restores.add(entry, rdbVersion);
      if (this.#restores.count >= BATCH) this.#flushRestores();
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
      this.#failure = error;
      link.close();
    }, () => this.#queued < HIGH_WATER / 2);
    const step = (work: () => Promise<void> | void) => chain.step(link, work);
    const snapshot = new HookedSnapshot(
      this.hooks,
      this.selector,
      (entry, rdbVersion) =>
        restore({ ...entry, type: entry.type!, payload: entry.payload! }, rdbVersion),
      (frame, count, entryDb) => {
        select(entryDb);
        this.#flushRestores();
        this.#push({ frame, count, stream: false });
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
          this.#push({
            frame: output && command.args.length ? output.slice() : undefined,
            stream: true,
            position,
          });
        }
      });
    };
    const snapshotQueued = () => {
      this.#flushRestores();
      this.streaming = true;
      this.log(`snapshot of the source queued: ${this.stats.restored} keys`);
      if (this.snapshotOnly) link.close();
      // The snapshot is the position of its +FULLRESYNC; the stream starts with a SELECT.
      else {
        this.#push({
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
            this.#push({
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
              this.#push({
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
    if (this.#failure) throw this.#failure;
  }

  /** Queues the RESTOREs written so far as one item. */
  #flushRestores(): void {
    if (this.#restores.count === 0) return;
    const { frame, count } = this.#restores.take();
    this.#push({ frame, count, stream: false });
  }

  #push(item: QueueItem): void {
    this.#queue.push(item);
    this.#queued += item.count ?? 1;
    if (this.#queued >= HIGH_WATER) this.#link?.pause();
    this.#wake?.();
  }

  /**
   * Applies queued commands in order, in pipelined batches with several batches in flight (one
   * connection keeps them in order), so the target never waits for the next batch.
   */
  async #apply(): Promise<void> {
    const inFlight = new Set<Promise<void>>();
    // Snapshot batches answer one reply per RESTORE; stream batches answer +OK, +QUEUED per
    // command, then EXEC's array, which holds the commands' own replies (errors included).
    const settle = async (frames: Uint8Array[], replies: Uint8Array[]) => {
      const exec = replies.at(-1)!;
      if (frames[0] !== MULTI_FRAME) return this.#count(replies);
      const abort = errorMessage(exec);
      if (abort === undefined) return this.#count(decodeReply(exec));
      // A command the target refused to queue aborted the whole transaction: apply the batch
      // without it so the other commands are not lost, then record the position.
      this.log(`target refused a transaction (${abort}); applying its commands one by one`);
      this.#count(await this.target.sendEncoded(frames.slice(1, -1)));
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
        const batch = this.#nextBatch();
        if (!batch) {
          // A transaction of the source is not complete yet: wait for the rest of it.
          if (inFlight.size) await Promise.race(inFlight);
          else if (!this.#ended && !this.#closed) {
            await new Promise<void>((resolve) => (this.#wake = resolve));
          } else return;
          continue;
        }
        if (this.#queued < HIGH_WATER / 2) this.#link?.resume();
        const sent: Promise<void> = this.target.sendEncoded(batch.frames, batch.count).then((
          replies,
        ) => settle(batch.frames, replies));
        inFlight.add(sent);
        sent.then(() => inFlight.delete(sent), () => {});
        if (inFlight.size >= IN_FLIGHT) await Promise.race(inFlight);
      }
    } catch (error) {
      this.#failure = new Error(`target failed: ${(error as Error).message}; syncing again`);
      this.#queue = [];
      this.#queued = 0;
      this.#restores.take();
      this.#link?.close();
      await Promise.allSettled(inFlight);
    }
  }

  /** Counts applied commands and errors among replies (frames, or EXEC's decoded array). */
  #count(replies: Uint8Array[] | Reply): void {
    const list = Array.isArray(replies)
      ? replies.map((frame) => errorMessage(frame))
      : replies.type === "array"
      ? replies.value.map((reply) => (reply.type === "error" ? reply.message : undefined))
      : [];
    for (const error of list) {
      if (error === undefined) this.stats.applied++;
      else {
        this.stats.errors++;
        this.log(`target: ${error}`);
      }
    }
  }

  /**
   * The next frames to send: snapshot RESTOREs as they are; stream commands up to the last
   * position within a batch, wrapped with their checkpoint in one transaction. Undefined when
   * the queue holds only part of a source transaction.
   */
  #nextBatch(): { frames: Uint8Array[]; count: number } | undefined {
    const queue = this.#queue;
    if (!queue[0].stream) {
      let n = 0;
      let count = 0;
      while (n < queue.length && count < BATCH && !queue[n].stream) count += queue[n++].count ?? 1;
      this.#queued -= count;
      return { frames: queue.splice(0, n).map((item) => item.frame!), count };
    }
    let end = -1;
    for (let i = 0; i < queue.length && queue[i].stream; i++) {
      if (queue[i].position) end = i;
      if (end >= 0 && i >= BATCH) break;
    }
    if (end < 0) return undefined;
    const items = queue.splice(0, end + 1);
    this.#queued -= items.length;
    const frames = items.flatMap((item) => (item.frame ? [item.frame] : []));
    const wrapped = withCheckpoint(frames, items[end].position!);
    return { frames: wrapped, count: wrapped.length };
  }
}
