import { dataTypeOf, type KeySelector, keyToText, type RdbRecord } from "../rdb/mod.ts";
import {
  type ChangeEvent,
  EntryPacker,
  type Hooks,
  type Packed,
  UNCHANGED,
  unpackEntries,
  type WireEntry,
} from "../hooks/mod.ts";
import { isOwnKey } from "./feed_checkpoint.ts";
import { RestoreWriter } from "./restore_command.ts";

/** Entries handed to the hooks at once (fewer messages to the worker), or fewer if large. */
const BATCH = 4000;
const BATCH_BYTES = 4 * 1024 * 1024;

/** A batch taken for the hooks: the entries, and their RESTOREs as read. */
interface Taken {
  batch: Packed;
  frame: Uint8Array;
  starts: number[];
  dbs: number[];
}

/**
 * The snapshot side of a replication feed with hooks: the RDB's selected entries are gathered
 * in batches, passed through the hooks, restored as the hooks left them, and announced to the
 * change sinks as `set` events positioned at the snapshot's offset (numbered by `index`, so a
 * delivery log can tell a repeated full sync's events from new ones).
 */
export class HookedSnapshot {
  #pending = new EntryPacker();
  /** The RESTOREs of the pending entries, written as they are read (most pass unchanged). */
  #restores = new RestoreWriter();
  /** Per pending entry: where its RESTORE starts, and its database. */
  #starts: number[] = [];
  #dbs: number[] = [];
  #version = 10;
  #position = { replid: "", offset: 0, index: 0 };

  constructor(
    readonly hooks: Hooks,
    readonly selector: KeySelector,
    /** Writes one entry the hooks changed. */
    readonly restore: (entry: WireEntry, version: number) => void,
    /** Writes RESTOREs of `count` entries of `db` the hooks left as they were. */
    readonly restoreFrame: (frame: Uint8Array, count: number, db: number) => void,
  ) {}

  /** A new snapshot at the source's `offset` of `replid`. */
  start(replid: string, offset: number): void {
    this.#take();
    this.#position = { replid, offset, index: 0 };
  }

  /**
   * Takes a record; when a batch is full it is sent to the hooks at once (the worker works
   * while the next batch is parsed) and the step that writes its results is returned.
   */
  add(record: RdbRecord): (() => Promise<void>) | undefined {
    if (record.kind === "header") this.#version = record.version;
    if (record.kind !== "entry" || !this.selector.matches(record.entry.key)) return undefined;
    if (isOwnKey(record.entry.key)) return undefined;
    const { entry } = record;
    this.#starts.push(this.#restores.bytes);
    this.#dbs.push(entry.db);
    this.#restores.add(entry, this.#version);
    const { db, key, type, payload, expiresAt } = entry;
    this.#pending.add({ db, key, type, payload, expiresAt, source: "snapshot" });
    const full = this.#pending.count >= BATCH || this.#restores.bytes >= BATCH_BYTES;
    return full ? this.flush() : undefined;
  }

  #take(): Taken {
    const { frame } = this.#restores.take();
    const taken = { batch: this.#pending.take(), frame, starts: this.#starts, dbs: this.#dbs };
    this.#starts = [];
    this.#dbs = [];
    return taken;
  }

  /** Sends what is gathered to the hooks; the returned step writes and announces the result. */
  flush(): () => Promise<void> {
    const taken = this.#take();
    const { runner } = this.hooks;
    const size = taken.dbs.length;
    const decided = runner
      ? runner.decide(taken.batch, this.#version)
      : Promise.resolve(new Array<typeof UNCHANGED>(size).fill(UNCHANGED));
    // A failure surfaces when the step runs, in order.
    decided.catch(() => {});
    return async () => this.#write(taken, await decided);
  }

  async #write(
    { batch, frame, starts, dbs }: Taken,
    decided: readonly (WireEntry | null | typeof UNCHANGED)[],
  ): Promise<void> {
    // Runs of unchanged entries of one database go out as their slice of the written frame.
    let from = 0;
    for (let i = 0; i <= decided.length; i++) {
      const same = i < decided.length && decided[i] === UNCHANGED;
      if (same && dbs[i] === dbs[from]) continue;
      if (i > from) {
        const end = starts[i] ?? frame.length;
        this.restoreFrame(frame.subarray(starts[from], end), i - from, dbs[from]);
      }
      from = same ? i : i + 1;
      const decision = decided[i];
      if (decision) this.restore(decision, this.#version);
    }
    const { delivery } = this.hooks;
    if (delivery?.active !== true) return;
    const position = this.#position;
    const events: ChangeEvent[] = [];
    let entries: WireEntry[] | undefined;
    decided.forEach((decision, i) => {
      if (decision === null) return;
      const entry = decision === UNCHANGED ? (entries ??= unpackEntries(batch))[i] : decision;
      events.push({
        kind: "set",
        db: entry.db,
        key: keyToText(entry.key),
        type: dataTypeOf(entry.type!),
        expiresAt: entry.expiresAt,
        source: "snapshot",
        offset: position.offset,
        index: position.index++,
      });
    });
    await delivery.deliver(events, position.replid);
  }
}
