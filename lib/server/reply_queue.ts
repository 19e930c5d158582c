import type { Metrics } from "../http/mod.ts";
import { concatBytes } from "../resp/mod.ts";
import { FifoQueue } from "../util/fifo_queue.ts";

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
  #outbox: Uint8Array[] = [];
  #unwritten = 0;
  #writing: Promise<void> | undefined;
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

  /** Queues the place of a reply still to come; it is written once `frame` settles. */
  pushPending(
    frame: Promise<Uint8Array>,
    name: string,
    readAt: number,
    silent: boolean,
    onError: (error: unknown) => Uint8Array,
  ): void {
    const pending: ReplySlot = { frame: undefined, name, readAt, silent };
    this.#replies.push(pending);
    this.#issued++;
    frame.then((value) => {
      pending.frame = value;
      this.#held += value.length;
      this.#flushReady();
    }, (error) => {
      const frame = onError(error);
      pending.frame = frame;
      this.#held += frame.length;
      this.#flushReady();
    });
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
  async flushed(): Promise<void> {
    while (!this.#closed) {
      if (!this.#writing && this.#outbox.length > 0) this.#writing = this.#writeOut();
      if (!this.#writing) return;
      await this.#writing;
    }
  }

  close(): void {
    this.#closed = true;
    // What a client will never read is let go now, not when its last write fails.
    this.#outbox = [];
    this.#drained?.();
  }

  #flushReady(): void {
    let head = this.#replies.peek();
    if (head === undefined || head.frame === undefined) {
      this.#checkLimit();
      return;
    }
    const now = performance.now();
    while (head !== undefined && head.frame !== undefined) {
      // Replies that arrive after the client is gone are dropped, not kept for nobody.
      if (!head.silent && !this.#closed) {
        this.#outbox.push(head.frame);
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
      queueMicrotask(() => {
        this.#writeScheduled = false;
        if (!this.#writing && this.#outbox.length > 0) this.#writing = this.#writeOut();
      });
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

  async #writeOut(): Promise<void> {
    try {
      while (this.#outbox.length > 0 && !this.#closed) {
        const parts = this.#outbox;
        this.#outbox = [];
        const chunk = parts.length === 1 ? parts[0] : concatBytes(parts);
        let written = 0;
        while (written < chunk.length) {
          written += await this.#conn.write(chunk.subarray(written));
          // A client reading a big reply slowly is not idle.
          this.lastWriteAt = performance.now();
        }
        this.#unwritten -= chunk.length;
      }
    } catch {
      this.#onBroken();
    } finally {
      this.#writing = undefined;
    }
  }
}
