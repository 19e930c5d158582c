import type { EntryParts } from "../rdb/mod.ts";
import type { MasterLink } from "../replication/mod.ts";
import { decodeReply, errorMessage, type Reply } from "../resp/mod.ts";
import { RestoreWriter } from "./restore_command.ts";
import { type FeedPosition, MULTI_FRAME, withCheckpoint } from "./feed_checkpoint.ts";
import type { SyncClient } from "./sync_client.ts";

/** Stop reading the source while this many commands wait for the target. */
const HIGH_WATER = 50_000;
const BATCH = 1000;
const IN_FLIGHT = 16;

/**
 * One command for the target. Stream commands carry, when they end outside a transaction, the
 * position they lead to: the places a batch may end and a checkpoint may be taken.
 */
export interface QueueItem {
  frame?: Uint8Array;
  /** Commands in `frame` (several RESTOREs written back to back); 1 when absent. */
  count?: number;
  stream: boolean;
  position?: FeedPosition;
}

/**
 * The commands of a replication feed on their way to the target, in order: snapshot
 * RESTOREs in pipelined batches, stream commands in transactions with their checkpoint. The
 * source's link is paused while too many wait, and resumed once the target has caught up.
 */
export class TargetQueue {
  #queue: QueueItem[] = [];
  /** Commands waiting in the queue (items may hold many). */
  #queued = 0;
  readonly #restores = new RestoreWriter();
  #closed = false;
  #wake: (() => void) | undefined;
  /** Why the current link stopped early (the target or a hook failed). */
  failure: Error | undefined;
  /** The current link has ended: the worker drains the queue and stops. */
  #ended = false;

  constructor(
    readonly target: SyncClient,
    readonly stats: { applied: number; errors: number },
    readonly log: (message: string) => void,
    /** The current link to the source, paused while the target is behind. */
    readonly link: () => Pick<MasterLink, "pause" | "resume" | "close"> | undefined,
  ) {}

  /** Commands queued or being written, not yet sent. */
  get backlog(): number {
    return this.#queued + this.#restores.count;
  }

  /** Few enough commands wait that the source may be read again. */
  get hasRoom(): boolean {
    return this.#queued < HIGH_WATER / 2;
  }

  /** Starts over for a new link to the source. */
  reset(): void {
    this.#queue = [];
    this.#queued = 0;
    this.#restores.take();
    this.failure = undefined;
    this.#ended = false;
  }

  /** The current link has ended: {@link apply} sends what is queued and returns. */
  end(): void {
    this.#ended = true;
    this.#wake?.();
  }

  close(): void {
    this.#closed = true;
    this.#wake?.();
  }

  /** Adds a RESTORE of a snapshot entry, queued with others in batches. */
  restore(entry: EntryParts, rdbVersion: number): void {
    this.#restores.add(entry, rdbVersion);
    if (this.#restores.count >= BATCH) this.flushRestores();
  }

  /** Queues the RESTOREs written so far as one item. */
  flushRestores(): void {
    if (this.#restores.count === 0) return;
    const { frame, count } = this.#restores.take();
    this.push({ frame, count, stream: false });
  }

  push(item: QueueItem): void {
    this.#queue.push(item);
    this.#queued += item.count ?? 1;
    if (this.#queued >= HIGH_WATER) this.link()?.pause();
    this.#wake?.();
  }

  /**
   * Applies queued commands in order, in pipelined batches with several batches in flight (one
   * connection keeps them in order), so the target never waits for the next batch.
   */
  async apply(): Promise<void> {
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
          if (this.#closed || this.failure || this.#ended) return;
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
        if (this.hasRoom) this.link()?.resume();
        const sent: Promise<void> = this.target.sendEncoded(batch.frames, batch.count).then((
          replies,
        ) => settle(batch.frames, replies));
        inFlight.add(sent);
        sent.then(() => inFlight.delete(sent), () => {});
        if (inFlight.size >= IN_FLIGHT) await Promise.race(inFlight);
      }
    } catch (error) {
      this.failure = new Error(`target failed: ${(error as Error).message}; syncing again`);
      this.#queue = [];
      this.#queued = 0;
      this.#restores.take();
      this.link()?.close();
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
