import type { Metrics } from "../http/mod.ts";
import { concatBytes } from "../resp/mod.ts";
import type { ReplySink } from "../upstream/mod.ts";
import { FifoQueue } from "../util/fifo_queue.ts";
import { tickNow } from "../util/tick_clock.ts";

/** The reply of one command, in request order; `frame` is set once it is known. */
export interface ReplySlot {
  frame: Uint8Array | undefined;
  /** Command name, for the latency histogram; empty for pushes, which answer no command. */
  name: string;
  /** performance.now() when the request's bytes were read. */
  readAt: number;
  /** CLIENT REPLY OFF/SKIP: the command runs, its reply is not written. */
  silent?: boolean;
}

/**
 * A reply still to come: its place in the queue, and the sink its frame is delivered to (by an
 * upstream connection's read loop, or by a promise's callbacks).
 */
export class PendingReply implements ReplySlot, ReplySink {
  frame: Uint8Array | undefined = undefined;
  /** Set by {@linkcode ReplyQueue.pushPending}: a frame may come before (a failed send). */
  queued = false;

  constructor(
    readonly queue: ReplyQueue,
    readonly name: string,
    readonly readAt: number,
    readonly silent: boolean,
    readonly onError: (error: unknown) => Uint8Array,
  ) {}

  resolve(frame: Uint8Array): void {
    if (this.frame !== undefined) return;
    this.frame = frame;
    if (!this.queued) return;
    try {
      this.queue.arrived(frame);
    } catch (error) {
      // A fault of this client's must not break the upstream read loop that delivered the
      // frame (other clients' replies follow on it): it surfaces on its own instead.
      queueMicrotask(() => {
        throw error;
      });
    }
  }

  reject(error: unknown): void {
    this.resolve(this.onError(error));
  }
}

interface SettleWaiter {
  count: number;
  resolve(): void;
}

/**
 * A client's replies, written strictly in request order: every reply that is ready leaves in
 * one socket write, deferred to a microtask so that all replies completing in one turn go
 * together.
 */
export class ReplyQueue {
  #conn: Deno.Conn;
  #metrics: Metrics;
  #maxPending: number;
  #onBroken: () => void;
  #replies = new FifoQueue<ReplySlot>();
  #issued = 0;
  #completed = 0;
  #settleWaiters: SettleWaiter[] = [];
  // Replies to write, in the first #outboxCount places. The array keeps its length (cleared
  // places hold undefined): emptied to length 0, V8 would drop its storage and allocate anew
  // for the next reply, once per request.
  #outbox: (Uint8Array | undefined)[] = [];
  #outboxCount = 0;
  #unwritten = 0;
  #writing = false;
  // The bytes being written, and how many of them have gone.
  #chunk: Uint8Array | undefined;
  #chunkWritten = 0;
  #flushWaiters: (() => void)[] = [];
  #writeScheduled = false;
  #drained: (() => void) | undefined;
  #closed = false;
  // Bytes of replies that are known and not yet in the outbox (most only for a moment; some
  // wait behind an earlier reply still to come).
  #held = 0;
  #outputLimit: number;
  #onOverLimit: () => void;
  /** performance.now() when a reply was last written, for the idle timeout. */
  lastWriteAt = 0;

  /**
   * `onBroken` is called when a write fails: the client went away. `onOverLimit` is called
   * once the replies known and not yet written exceed `outputLimit` bytes (0: no limit).
   */
  constructor(
    conn: Deno.Conn,
    metrics: Metrics,
    maxPending: number,
    onBroken: () => void,
    outputLimit = 0,
    onOverLimit: () => void = onBroken,
  ) {
    this.#conn = conn;
    this.#metrics = metrics;
    this.#maxPending = maxPending;
    this.#onBroken = onBroken;
    this.#outputLimit = outputLimit;
    this.#onOverLimit = onOverLimit;
  }

  /** True while a reply is still to come (a blocking command counts as busy). */
  get busy(): boolean {
    return this.#completed < this.#issued;
  }

  /** Replies not yet handed to the socket: reading stops at `maxPending` (backpressure). */
  get full(): boolean {
    return this.#replies.length >= this.#maxPending;
  }

  /** Bytes handed to the outbox and not yet written to the client. */
  get unwritten(): number {
    return this.#unwritten;
  }

  /** Queues a reply that is already known. */
  push(frame: Uint8Array, name: string, readAt: number, silent = false): void {
    this.#replies.push({ frame, name, readAt, silent });
    this.#held += frame.length;
    this.#issued++;
    this.#flushReady();
  }

  /**
   * The place of a reply still to come, for {@linkcode pushPending}: its frame is written once
   * its `resolve` (or `reject`, whose error `onError` turns into a frame) is called.
   */
  pending(
    name: string,
    readAt: number,
    silent: boolean,
    onError: (error: unknown) => Uint8Array,
  ): PendingReply {
    return new PendingReply(this, name, readAt, silent, onError);
  }

  /** Queues a pending reply (its frame may have come already). */
  pushPending(pending: PendingReply): void {
    this.#replies.push(pending);
    this.#issued++;
    pending.queued = true;
    if (pending.frame !== undefined) this.arrived(pending.frame);
  }

  /** A pending reply's frame arrived (called by {@linkcode PendingReply}). */
  arrived(frame: Uint8Array): void {
    this.#held += frame.length;
    this.#flushReady();
  }

  /** Resolves when every reply queued so far is final. */
  settled(): Promise<void> {
    if (this.#completed >= this.#issued) return Promise.resolve();
    return new Promise((resolve) => this.#settleWaiters.push({ count: this.#issued, resolve }));
  }

  /** Resolves once the queue is down to half of `maxPending` (or closed). */
  drained(): Promise<void> {
    return new Promise((resolve) => this.#drained = resolve);
  }

  /** Resolves once every reply handed to the outbox has been written (or the client left). */
  flushed(): Promise<void> {
    if (this.#closed || (!this.#writing && this.#outboxCount === 0)) return Promise.resolve();
    const flushed = new Promise<void>((resolve) => this.#flushWaiters.push(resolve));
    if (!this.#writing) this.#writeNext();
    return flushed;
  }

  close(): void {
    this.#closed = true;
    // What a client will never read is let go now, not when its last write fails.
    this.#outbox = [];
    this.#outboxCount = 0;
    this.#chunk = undefined;
    this.#drained?.();
    this.#wakeFlushWaiters();
  }

  #flushReady(): void {
    let head = this.#replies.peek();
    if (head === undefined || head.frame === undefined) {
      this.#checkLimit();
      return;
    }
    const now = tickNow();
    while (head !== undefined && head.frame !== undefined) {
      // Replies that arrive after the client is gone are dropped, not kept for nobody.
      if (!head.silent && !this.#closed) {
        this.#outbox[this.#outboxCount++] = head.frame;
        this.#unwritten += head.frame.length;
      }
      this.#held -= head.frame.length;
      if (head.name !== "") this.#metrics.observeLatency(head.name, now - head.readAt);
      this.#replies.shift();
      this.#completed++;
      head = this.#replies.peek();
    }
    while (this.#settleWaiters.length > 0 && this.#settleWaiters[0].count <= this.#completed) {
      this.#settleWaiters.shift()!.resolve();
    }
    if (!this.#writing && !this.#writeScheduled) {
      this.#writeScheduled = true;
      queueMicrotask(this.#scheduledWrite);
    }
    this.#checkLimit();
    if (this.#drained && this.#replies.length < this.#maxPending / 2) {
      const drained = this.#drained;
      this.#drained = undefined;
      drained();
    }
  }

  // Redis's client-output-buffer-limit hard limit: a client that does not read its replies
  // is disconnected rather than allowed to fill the proxy's memory.
  #checkLimit(): void {
    const limit = this.#outputLimit;
    if (limit > 0 && !this.#closed && this.#unwritten + this.#held > limit) this.#onOverLimit();
  }

  // The write path runs once per reply batch of every client, so its callbacks are made once
  // per queue rather than as an async function (a promise and a frame) per write.
  readonly #scheduledWrite = (): void => {
    this.#writeScheduled = false;
    if (!this.#writing) this.#writeNext();
  };

  readonly #onWritten = (n: number): void => {
    const chunk = this.#chunk;
    if (chunk === undefined) return; // closed meanwhile
    // A client reading a big reply slowly is not idle.
    this.lastWriteAt = tickNow();
    this.#chunkWritten += n;
    if (this.#chunkWritten < chunk.length) {
      this.#write(chunk.subarray(this.#chunkWritten));
      return;
    }
    this.#unwritten -= chunk.length;
    this.#chunk = undefined;
    this.#writing = false;
    this.#writeNext();
  };

  readonly #onWriteFailed = (): void => {
    this.#chunk = undefined;
    this.#writing = false;
    this.#onBroken();
    this.#wakeFlushWaiters();
  };

  /** Writes everything in the outbox as one chunk; wakes flush waiters when none is left. */
  #writeNext(): void {
    const count = this.#outboxCount;
    if (this.#closed || count === 0) {
      this.#wakeFlushWaiters();
      return;
    }
    const parts = this.#outbox;
    const chunk = count === 1 ? parts[0]! : concatBytes(parts.slice(0, count) as Uint8Array[]);
    // A long pipeline's array is let go rather than kept by an idle client.
    if (count > 64) this.#outbox = [];
    else parts.fill(undefined, 0, count);
    this.#outboxCount = 0;
    this.#writing = true;
    this.#chunk = chunk;
    this.#chunkWritten = 0;
    this.#write(chunk);
  }

  #write(bytes: Uint8Array): void {
    let written: Promise<number>;
    try {
      written = this.#conn.write(bytes);
    } catch {
      this.#onWriteFailed();
      return;
    }
    written.then(this.#onWritten, this.#onWriteFailed);
  }

  #wakeFlushWaiters(): void {
    if (this.#flushWaiters.length === 0) return;
    for (const resolve of this.#flushWaiters.splice(0)) resolve();
  }
}
