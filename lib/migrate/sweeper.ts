import { decodeReply, scanReplyParts } from "../resp/mod.ts";
import { DEFAULT_DB } from "../route/target.ts";
import type { MigrationSource } from "../route/migration_source.ts";
import type { Log } from "../log/mod.ts";
import { bytesToText } from "../util/mod.ts";
import type { Copier } from "./copier.ts";

/**
 * Moves one key found on the source; undefined when the key needs no move (it is then not
 * counted as moved). Rejects when the key could not be moved.
 */
export type KeyMove = (key: Uint8Array) => Promise<void> | undefined;

export interface SweeperOptions {
  /** SCAN MATCH glob. */
  match?: string;
  /** Only keys this matches (tested on the key as UTF-8 text). */
  regex?: RegExp;
  /** Keys per second at most. */
  rate: number;
  log?: Log;
  /** Wait after a failed SCAN before trying again (1000 ms). */
  retryMs?: number;
  /** What log lines call this walk ("migration sweeper"). */
  name?: string;
  /** The client database to walk (DEFAULT_DB: the configured one). */
  db?: number;
}

/** What the sweeper has done: for metrics, and to tell when the migration is complete. */
export interface SweepProgress {
  scanned: number;
  /** The source's DBSIZE when the sweep began: with `scanned`, an estimate of what remains. */
  total: number | undefined;
  /** Keys it moved (or asked the copier to move: those already moved are skipped by it). */
  moved: number;
  errors: number;
  done: boolean;
}

const BATCH = 100;

/**
 * Walks a source with SCAN (in its configured database) and moves keys at most `rate` per
 * second. A migration's sweeper moves every key through the same copier a read uses
 * ({@linkcode copierMove}): a migration finishes even for keys nobody reads, and races with
 * clients are settled the way a read's copy settles them (a newer value on the destination
 * wins; a source copy that a write retired is not restored). A ring's rebalancer moves, with
 * one walk per old node, only the keys whose owner changed.
 */
export class Sweeper {
  readonly progress: SweepProgress = {
    scanned: 0,
    total: undefined,
    moved: 0,
    errors: 0,
    done: false,
  };
  #stopped = false;
  #running: Promise<void> | undefined;
  #wake: (() => void) | undefined;

  constructor(
    readonly source: MigrationSource,
    readonly move: KeyMove,
    readonly options: SweeperOptions,
  ) {}

  start(): void {
    this.#running ??= this.#sweep();
  }

  /** Stops after the batch under way. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#wake?.();
    await this.#running;
  }

  /** Resolves when the walk has ended: done, or stopped. */
  get finished(): Promise<void> {
    return this.#running ?? Promise.resolve();
  }

  /** Keys still to scan, estimated from the DBSIZE taken at the start. */
  get remaining(): number | undefined {
    const { total, scanned, done } = this.progress;
    if (done) return 0;
    return total === undefined ? undefined : Math.max(0, total - scanned);
  }

  async #sweep(): Promise<void> {
    const { options, progress } = this;
    progress.total = await this.#dbsize();
    let cursor = "0";
    // Until the first SCAN answered, cursor "0" means "not begun" rather than "walked".
    let begun = false;
    while (!this.#stopped && (!begun || cursor !== "0")) {
      const args = ["SCAN", cursor, "COUNT", String(BATCH)];
      if (options.match) args.push("MATCH", options.match);
      let parts;
      try {
        const reply = decodeReply(await this.source.call(this.options.db ?? DEFAULT_DB, args));
        parts = scanReplyParts(reply);
        if (!parts) {
          throw new Error(reply.type === "error" ? reply.message : `a ${reply.type} reply`);
        }
      } catch (error) {
        // The cursor stays valid: the same SCAN is tried again once the source answers.
        options.log?.warn(`${this.#name}: source SCAN failed, retrying`, {
          error: (error as Error).message,
        });
        await this.#pause(options.retryMs ?? 1000);
        continue;
      }
      const { regex } = options;
      const keys = regex ? parts.items.filter((key) => regex.test(bytesToText(key))) : parts.items;
      cursor = parts.cursor;
      begun = true;
      progress.scanned += parts.items.length;
      const started = performance.now();
      const moves = keys.flatMap((key) => this.move(key) ?? []);
      const results = await Promise.allSettled(moves);
      for (const result of results) {
        if (result.status === "fulfilled") progress.moved++;
        else {
          progress.errors++;
          options.log?.warn(`${this.#name}: a key could not be moved`, {
            error: (result.reason as Error).message,
          });
        }
      }
      // Pace to the configured rate: a batch of n keys takes at least n / rate seconds.
      const due = (moves.length * 1000) / options.rate - (performance.now() - started);
      if (due > 0) await this.#pause(due);
    }
    if (!this.#stopped) {
      progress.done = true;
      options.log?.info(`${this.#name} done`, {
        scanned: progress.scanned,
        errors: progress.errors,
      });
    }
  }

  get #name(): string {
    return this.options.name ?? "migration sweeper";
  }

  async #dbsize(): Promise<number | undefined> {
    try {
      const reply = decodeReply(await this.source.call(this.options.db ?? DEFAULT_DB, ["DBSIZE"]));
      return reply.type === "integer" ? Number(reply.value) : undefined;
    } catch {
      return undefined;
    }
  }

  /** Sleeps, or less when the sweeper is stopped meanwhile. */
  #pause(ms: number): Promise<void> {
    if (this.#stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.#wake = done;
    });
  }
}

/** The move of a migration's sweeper: every key through the copier (in the configured database). */
export function copierMove(copier: Copier): KeyMove {
  return (key) => copier.ensure(DEFAULT_DB, key);
}
