import { dataTypeOf, type KeySelector, keyToText, type RdbRecord } from "../rdb/mod.ts";
import type { ChangeEvent, Hooks, WireEntry } from "../hooks/mod.ts";
import { isOwnKey } from "./feed_checkpoint.ts";

/** Entries handed to the hooks at once. */
const BATCH = 1000;

/**
 * The snapshot side of a replication feed with hooks: the RDB's selected entries are gathered
 * in batches, passed through the hooks, restored as the hooks left them, and announced to the
 * change sinks as `set` events positioned at the snapshot's offset (numbered by `index`, so a
 * delivery log can tell a repeated full sync's events from new ones).
 */
export class HookedSnapshot {
  #pending: WireEntry[] = [];
  #version = 10;
  #position = { replid: "", offset: 0, index: 0 };

  constructor(
    readonly hooks: Hooks,
    readonly selector: KeySelector,
    /** Writes one entry the hooks kept. */
    readonly restore: (entry: WireEntry, version: number) => void,
  ) {}

  /** A new snapshot at the source's `offset` of `replid`. */
  start(replid: string, offset: number): void {
    this.#pending = [];
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
    const { db, key, type, payload, expiresAt } = record.entry;
    this.#pending.push({ db, key, type, payload, expiresAt, source: "snapshot" });
    return this.#pending.length >= BATCH ? this.flush() : undefined;
  }

  /** Sends what is gathered to the hooks; the returned step writes and announces the result. */
  flush(): () => Promise<void> {
    const batch = this.#pending;
    this.#pending = [];
    const { runner } = this.hooks;
    const decided = runner ? runner.entries(batch, this.#version) : Promise.resolve(batch);
    // A failure surfaces when the step runs, in order.
    decided.catch(() => {});
    return async () => this.#write(await decided);
  }

  async #write(kept: readonly (WireEntry | null)[]): Promise<void> {
    const { delivery } = this.hooks;
    const events: ChangeEvent[] = [];
    const position = this.#position;
    const announce = delivery?.active === true;
    for (const entry of kept) {
      if (!entry) continue;
      this.restore(entry, this.#version);
      if (!announce) continue;
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
    }
    if (announce) await delivery!.deliver(events, position.replid);
  }
}
