import { decodeReply, scanReplyParts } from "../resp/mod.ts";
import { DEFAULT_DB, type Target } from "../route/target.ts";
import type { Copier } from "./copier.ts";

export interface SweeperOptions {
  /** SCAN MATCH glob. */
  match?: string;
  /** Keys per second at most. */
  rate: number;
  log?: (message: string) => void;
}

/** What the sweeper has done: for metrics, and to tell when the migration is complete. */
export interface SweepProgress {
  scanned: number;
  /** Keys it asked the copier to move (those already moved are skipped by the copier). */
  moved: number;
  errors: number;
  done: boolean;
}

const BATCH = 100;

/**
 * Walks the source of a migration with SCAN (in its configured database) and moves every key
 * through the same copier a read uses, at most `rate` keys per second: a migration finishes even
 * for keys nobody reads, and races with clients are settled the way a read's copy settles them
 * (a newer value on the destination wins; a source copy that a write retired is not restored).
 */
export class Sweeper {
  readonly progress: SweepProgress = { scanned: 0, moved: 0, errors: 0, done: false };
  #stopped = false;
  #running: Promise<void> | undefined;

  constructor(readonly copier: Copier, readonly source: Target, readonly options: SweeperOptions) {}

  start(): void {
    this.#running ??= this.#sweep().catch((error) => {
      this.options.log?.(`migration sweeper stopped: ${(error as Error).message}`);
    });
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#running;
  }

  async #sweep(): Promise<void> {
    const { options, progress } = this;
    let cursor = "0";
    do {
      const args = ["SCAN", cursor, "COUNT", String(BATCH)];
      if (options.match) args.push("MATCH", options.match);
      const reply = decodeReply(await this.source.call(DEFAULT_DB, args));
      const parts = scanReplyParts(reply);
      if (!parts) {
        throw new Error(
          `source SCAN failed: ${reply.type === "error" ? reply.message : reply.type}`,
        );
      }
      const keys = parts.items;
      cursor = parts.cursor;
      progress.scanned += keys.length;
      const started = performance.now();
      const results = await Promise.allSettled(
        keys.map((key) => this.copier.ensure(DEFAULT_DB, key)),
      );
      for (const result of results) {
        if (result.status === "fulfilled") progress.moved++;
        else {
          progress.errors++;
          options.log?.(`migration sweeper: ${(result.reason as Error).message}`);
        }
      }
      // Pace to the configured rate: a batch of n keys takes at least n / rate seconds.
      const due = (keys.length * 1000) / options.rate - (performance.now() - started);
      if (due > 0) await new Promise((resolve) => setTimeout(resolve, due));
    } while (cursor !== "0" && !this.#stopped);
    if (!this.#stopped) {
      progress.done = true;
      options.log?.(
        `migration sweeper done: ${progress.scanned} keys scanned, ${progress.errors} errors`,
      );
    }
  }
}
