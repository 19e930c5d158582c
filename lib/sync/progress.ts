/** What a replication run reports as it goes. */
export interface ReplicateStats {
  /** Keys in the source (DBSIZE at the start), for the ETA. */
  total: number;
  scanned: number;
  copied: number;
  deleted: number;
  chunked: number;
  failed: number;
  /** Changes received in live mode (notifications, or stream commands applied). */
  live: number;
}

export function newReplicateStats(): ReplicateStats {
  return { total: 0, scanned: 0, copied: 0, deleted: 0, chunked: 0, failed: 0, live: 0 };
}

/**
 * Shows progress: a line rewritten in place on a terminal, a plain log line every few seconds
 * otherwise (so logs stay readable when redirected).
 */
export class Progress {
  #timer: ReturnType<typeof setInterval> | undefined;
  #started = performance.now();
  #lastCopied = 0;
  #lastTime = performance.now();

  constructor(
    readonly stats: ReplicateStats,
    readonly write: (text: string) => void,
    readonly terminal: boolean,
  ) {}

  start(): void {
    this.#timer = setInterval(() => this.#show(), this.terminal ? 250 : 5000);
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#show();
    if (this.terminal) this.write("\n");
  }

  line(): string {
    const { stats } = this;
    const now = performance.now();
    const rate = Math.round(
      ((stats.copied - this.#lastCopied) * 1000) / Math.max(1, now - this.#lastTime),
    );
    this.#lastCopied = stats.copied;
    this.#lastTime = now;
    const elapsed = (now - this.#started) / 1000;
    const left = stats.total - stats.scanned;
    const overall = stats.scanned / Math.max(elapsed, 0.001);
    const eta = stats.total && left > 0 && overall > 0 ? ` eta ${Math.ceil(left / overall)}s` : "";
    const total = stats.total ? `/${stats.total}` : "";
    return `scanned ${stats.scanned}${total} copied ${stats.copied} deleted ${stats.deleted} ` +
      `chunked ${stats.chunked} failed ${stats.failed} live ${stats.live} ${rate} keys/s${eta}`;
  }

  #show(): void {
    const text = this.line();
    this.write(this.terminal ? `\r${text}\u001b[K` : `${new Date().toISOString()} ${text}\n`);
  }
}
