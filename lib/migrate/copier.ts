import type { Metrics } from "../http/mod.ts";
import { decodeReply, errorMessage, integerValue } from "../resp/mod.ts";
import type { Target } from "../route/target.ts";
import type { MigrationSource } from "../route/migration_source.ts";
import { keyString } from "../util/key_string.ts";
import { CopyFailed } from "./copy_failed.ts";
import { KeyLocks } from "./key_locks.ts";
import { SourceChangeLog } from "./source_change_log.ts";
import type { CopyHooks } from "../hooks/mod.ts";

/** Deletes the source copy only while it still holds the payload that was copied. */
export const COMPARE_AND_DELETE_SCRIPT =
  "if redis.call('DUMP', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0";

/** What one copy attempt found. */
export interface CopyOutcome {
  /** The source had the key. */
  found: boolean;
  /** Replies of the reads that ran on the source in the same pipeline as DUMP. */
  reads: (Uint8Array | undefined)[];
  /** RESTORE's error frame when the destination refused the payload. */
  restoreError?: Uint8Array;
  /**
   * Set when a command that retires the source copy ran while this copy was under way (see
   * {@linkcode Copier.beginRetire}): nothing was restored, and the change-log sequence at which
   * the earliest such command was sent. Reads sent to the destination before it may use the
   * source's answer; later ones must read the destination again.
   */
  retiredAt?: number;
}

/** A read to run on the source in the pipeline of a copy. */
export interface SourceRead {
  frame: Uint8Array;
  /** Lower-case command name, for metrics. */
  command: string;
  /** The reading client's RESP version: the read runs on a connection speaking it. */
  protocol: 2 | 3;
}

interface Flight {
  db: number;
  key: Uint8Array;
  /** All commands of a flight share one connection, so that its reads see what DUMP saw. */
  protocol: 2 | 3;
  reads: (SourceRead | undefined)[];
  open: boolean;
  outcome: Promise<CopyOutcome>;
  /** See {@linkcode CopyOutcome.retiredAt}. */
  retiredAt?: number;
}

interface Retiring {
  count: number;
  since: number;
}

/** Options of {@linkcode Copier}. */
export interface CopierOptions {
  /** Delete the source copy (compare-and-delete) once a key was copied. */
  deleteOnGet: boolean;
  /** User hooks (`Hooks` in the config): a filtered key counts as absent; copies are announced. */
  hooks?: Promise<CopyHooks>;
}

/**
 * Moves keys from the source to the destination with DUMP + PTTL and RESTORE (never REPLACE:
 * BUSYKEY means a newer write reached the destination first, and it wins).
 *
 * Concurrent misses on one key join one "flight": the first takes the key's lock; everyone who
 * joins before the lock is held shares its single DUMP, and reads that joined run on the
 * source in the same pipeline, so they see exactly the value that was copied.
 */
export class Copier {
  readonly locks = new KeyLocks();
  readonly changes = new SourceChangeLog();
  #flights = new Map<string, Flight>();
  /** The flight of each key that holds its lock, between its DUMP and its RESTORE. */
  #copying = new Map<string, Flight>();
  #retiring = new Map<string, Retiring>();
  #source: MigrationSource;
  #destination: Target;
  #metrics: Metrics;
  #options: CopierOptions;

  /** Runs the copies through user hooks from now on (the proxy's `Hooks`). */
  useHooks(hooks: Promise<CopyHooks>): void {
    this.#options = { ...this.#options, hooks };
  }

  constructor(
    source: MigrationSource,
    destination: Target,
    metrics: Metrics,
    options: CopierOptions,
  ) {
    this.#source = source;
    this.#destination = destination;
    this.#metrics = metrics;
    this.#options = options;
  }

  /**
   * Makes sure `key` is on the destination if the source has it. Rejects with
   * {@linkcode CopyFailed} when a server refused, or UpstreamError when one is unreachable.
   */
  async ensure(db: number, key: Uint8Array): Promise<void> {
    const outcome = await this.#join(db, key, undefined, 2).outcome;
    if (outcome.restoreError) {
      throw new CopyFailed(outcome.restoreError, "destination refused RESTORE", true);
    }
  }

  /**
   * Copies `key` like {@linkcode ensure} and runs `read` on the source in the same pipeline
   * as DUMP. Resolves with the read's reply, or undefined when the source did not have the key.
   */
  async copyForRead(
    db: number,
    key: Uint8Array,
    read: SourceRead,
  ): Promise<{ reply: Uint8Array | undefined; retiredAt?: number }> {
    const flight = this.#join(db, key, read, read.protocol);
    const index = flight.reads.length - 1;
    const outcome = await flight.outcome;
    return {
      reply: outcome.found ? outcome.reads[index] : undefined,
      retiredAt: outcome.retiredAt,
    };
  }

  /**
   * Announces that a command which makes the source copies of `keys` obsolete (it may delete
   * or expire them on the destination) is about to be sent. Until {@linkcode endRetire}, and
   * for copies that were already past their DUMP, nothing is restored for these keys: a
   * RESTORE of the old value after the command ran would bring back what it deleted.
   * Returns the names to pass to {@linkcode endRetire}.
   */
  beginRetire(db: number, keys: readonly Uint8Array[]): string[] {
    const names = keys.map((key) => this.keyName(db, key));
    for (const name of names) {
      this.changes.record(name);
      const since = this.changes.now();
      const retiring = this.#retiring.get(name);
      if (retiring) retiring.count++;
      else this.#retiring.set(name, { count: 1, since });
      const flight = this.#copying.get(name);
      if (flight && flight.retiredAt === undefined) flight.retiredAt = since;
    }
    return names;
  }

  /** Ends what {@linkcode beginRetire} began, once the source copies are deleted. */
  endRetire(names: readonly string[]): void {
    for (const name of names) {
      const retiring = this.#retiring.get(name);
      if (!retiring) continue;
      if (--retiring.count === 0) this.#retiring.delete(name);
    }
  }

  /**
   * The name under which `key` of client database `db` is locked and logged. It uses the
   * destination's real database, so that a client in the configured default database and one
   * that SELECTed the same number share one lock per key.
   */
  keyName(db: number, key: Uint8Array): string {
    return keyString(this.#destination.db(db), key);
  }

  /** Deletes keys on the source under their locks, recording the change. */
  async deleteFromSource(db: number, keys: readonly Uint8Array[]): Promise<void> {
    const names = keys.map((key) => this.keyName(db, key));
    const release = await this.locks.lock(names);
    try {
      const replies = await Promise.all(this.#source.callAll(db, keys.map((k) => ["DEL", k])));
      for (const name of names) this.changes.record(name);
      let deleted = 0;
      for (const reply of replies) {
        const error = errorMessage(reply);
        if (error !== undefined) throw new CopyFailed(reply, `source refused DEL: ${error}`);
        deleted += integerValue(reply) ?? 0;
      }
      if (deleted > 0) this.#metrics.sourceDeleted(deleted);
    } finally {
      release();
    }
  }

  #join(db: number, key: Uint8Array, read: SourceRead | undefined, protocol: 2 | 3): Flight {
    const name = this.keyName(db, key);
    const flightName = protocol === 2 ? name : `3:${name}`;
    let flight = this.#flights.get(flightName);
    if (!flight || !flight.open) {
      const created: Flight = {
        db,
        key,
        protocol,
        reads: [],
        open: true,
        outcome: Promise.resolve({ found: false, reads: [] }),
      };
      created.outcome = this.#fly(name, flightName, created);
      this.#flights.set(flightName, created);
      flight = created;
    }
    flight.reads.push(read);
    return flight;
  }

  async #fly(name: string, flightName: string, flight: Flight): Promise<CopyOutcome> {
    const release = await this.locks.lock([name]);
    flight.open = false;
    if (this.#flights.get(flightName) === flight) this.#flights.delete(flightName);
    this.#copying.set(name, flight);
    flight.retiredAt = this.#retiring.get(name)?.since;
    try {
      return await this.#copyLocked(name, flight);
    } finally {
      this.#copying.delete(name);
      release();
    }
  }

  async #copyLocked(name: string, flight: Flight): Promise<CopyOutcome> {
    const { db, key, protocol } = flight;
    const dumpAt = 0;
    const pttlAt = 1;
    // DUMP, PTTL and RESTORE answer the same in RESP2 and RESP3.
    const frames: Promise<Uint8Array>[] = this.#source.callAll(
      db,
      [["DUMP", key], ["PTTL", key]],
      protocol,
    );
    for (const read of flight.reads) {
      if (read) frames.push(this.#source.send(db, read.command, read.frame, protocol));
    }
    const replies = await Promise.all(frames);
    const reads: (Uint8Array | undefined)[] = [];
    let next = 2;
    for (const read of flight.reads) reads.push(read ? replies[next++] : undefined);

    const dump = decodeReply(replies[dumpAt]);
    if (dump.type === "error") {
      throw new CopyFailed(replies[dumpAt], `source refused DUMP: ${dump.message}`);
    }
    const ttl = integerValue(replies[pttlAt]);
    if (dump.type !== "bulk" || ttl === -2) {
      this.#metrics.copyMiss();
      return { found: false, reads };
    }
    if (flight.retiredAt !== undefined) return { found: true, reads, retiredAt: flight.retiredAt };
    const hooks = await this.#options.hooks?.catch((error: Error) => {
      const message = `ERR hooks did not load: ${error.message.replace(/[\r\n]+/g, " ")}`;
      throw new CopyFailed(new TextEncoder().encode(`-${message}\r\n`), message);
    });
    if (
      hooks && !(await hooks.keep(db, key, dump.value, ttl! > 0 ? Date.now() + ttl! : undefined))
    ) {
      this.#metrics.copyMiss();
      return { found: false, reads };
    }
    // PTTL -1 is "no expiry" (RESTORE 0); 0 would also mean "no expiry" to RESTORE, which
    // would make a key that is about to expire immortal, so it becomes 1 ms.
    const restoreTtl = ttl === undefined || ttl < 0 ? 0 : Math.max(ttl, 1);
    const restored = await this.#destination.call(db, [
      "RESTORE",
      key,
      `${restoreTtl}`,
      dump.value,
    ]);
    const error = errorMessage(restored);
    if (error === undefined) {
      this.#metrics.keyCopied();
      await hooks?.copied(db, key, dump.value);
      if (this.#options.deleteOnGet) await this.#compareAndDelete(name, db, key, dump.value);
    } else if (!error.startsWith("BUSYKEY")) {
      this.#metrics.copyError();
      return { found: true, reads, restoreError: restored };
    }
    return { found: true, reads };
  }

  async #compareAndDelete(name: string, db: number, key: Uint8Array, payload: Uint8Array) {
    const reply = await this.#source.call(db, [
      "EVAL",
      COMPARE_AND_DELETE_SCRIPT,
      "1",
      key,
      payload,
    ]);
    this.changes.record(name);
    if (integerValue(reply) === 1) this.#metrics.sourceDeleted(1);
  }
}
