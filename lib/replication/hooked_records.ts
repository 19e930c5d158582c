import {
  buildRdb,
  dataTypeOf,
  type KeySelector,
  keyToText,
  RdbEntry,
  type RdbRecord,
} from "../rdb/mod.ts";
import type { ChangeEvent, Hooks, WireEntry } from "../hooks/mod.ts";

/** Entries handed to the hooks at once. */
const BATCH = 1000;

/** The record of an entry the hooks changed: expiry, type byte, key and payload. */
function entryRecord(entry: WireEntry, version: number): RdbRecord {
  const parts = {
    key: entry.key,
    type: entry.type!,
    payload: entry.payload!,
    expiresAt: entry.expiresAt,
  };
  const rdb = buildRdb((writer) => writer.entry(parts), { version, checksum: false });
  // Between the 9-byte header and the EOF opcode (and its 8 checksum bytes from version 5).
  const raw = rdb.slice(9, rdb.length - 1 - (version >= 5 ? 8 : 0));
  const rdbEntry = new RdbEntry(
    entry.db,
    entry.key,
    parts.type,
    parts.payload,
    0,
    raw,
    entry.expiresAt,
  );
  return { kind: "entry", entry: rdbEntry, raw };
}

/**
 * Passes a snapshot's records through the hooks in order: entries the selector keeps are sent
 * to the worker in batches, and each batch's records (entries as the hooks left them, dropped
 * ones left out, other records untouched) are handed to `visit` in their original order.
 */
export class HookedRecords {
  #records: RdbRecord[] = [];
  #entries = 0;
  #version = 10;
  #chain: Promise<void> = Promise.resolve();
  #failure: Error | undefined;

  /** Snapshot events are positioned at the master's offset of the snapshot, numbered. */
  #index = 0;

  constructor(
    readonly hooks: Hooks,
    readonly selector: KeySelector,
    readonly visit: (record: RdbRecord, kept: boolean | undefined) => void,
    /** The master's replication ID and offset of this snapshot (for the delivery log). */
    readonly position: { replid: string; offset: number } = { replid: "", offset: 0 },
  ) {}

  add(record: RdbRecord): void {
    if (record.kind === "header") this.#version = record.version;
    this.#records.push(record);
    if (record.kind === "entry" && ++this.#entries >= BATCH) this.flush();
  }

  /** Sends what is held to the hooks; {@link done} resolves once all of it was visited. */
  flush(): void {
    const records = this.#records;
    this.#records = [];
    this.#entries = 0;
    this.#chain = this.#chain.then(() => this.#process(records)).catch((error) => {
      this.#failure ??= error;
    });
  }

  async done(): Promise<void> {
    this.flush();
    await this.#chain;
    if (this.#failure) throw this.#failure;
  }

  async #process(records: RdbRecord[]): Promise<void> {
    const wire: WireEntry[] = [];
    for (const record of records) {
      if (record.kind !== "entry" || !this.selector.matches(record.entry.key)) continue;
      const { db, key, type, payload, expiresAt } = record.entry;
      wire.push({ db, key, type, payload, expiresAt, source: "snapshot" });
    }
    const { runner, delivery } = this.hooks;
    const decisions = runner ? await runner.entries(wire, this.#version) : wire;
    const events: ChangeEvent[] = [];
    const announce = delivery?.active === true;
    let next = 0;
    for (const record of records) {
      if (record.kind !== "entry") {
        this.visit(record, undefined);
        continue;
      }
      if (!this.selector.matches(record.entry.key)) {
        this.visit(record, false);
        continue;
      }
      const decision = decisions[next];
      const original = wire[next++];
      if (!decision) this.visit(record, false);
      else if (decision === original) this.visit(record, true);
      else this.visit(entryRecord(decision, this.#version), true);
      if (decision && announce) {
        events.push({
          kind: "set",
          db: decision.db,
          key: keyToText(decision.key),
          type: dataTypeOf(decision.type!),
          expiresAt: decision.expiresAt,
          source: "snapshot",
          offset: this.position.offset,
          index: this.#index++,
        });
      }
    }
    // Before the next batch is written: replicas get nothing the sinks have not acknowledged.
    if (announce) await delivery!.deliver(events, this.position.replid);
  }
}
