import { KeySelector, RdbFilter, RdbParser } from "../rdb/mod.ts";
import { Signal } from "../util/mod.ts";
import type { Hooks } from "../hooks/mod.ts";
import { HookedRecords } from "./hooked_records.ts";

/**
 * A master's snapshot, filtered as it arrives and written to disk: the parser streams it, the
 * filter copies the selected entries byte for byte, the file is what replicas' full syncs are
 * served from.
 */
export class SnapshotFile {
  readonly #parser: RdbParser;
  readonly #filter: RdbFilter;
  /** With hooks: records wait for the worker's decisions before they are filtered. */
  readonly #hooked: HookedRecords | undefined;
  readonly #file: Deno.FsFile;
  #open = true;
  /** Bytes written to the file so far: readers may follow it while it grows. */
  written = 0;
  /** "growing" until finished or abandoned. */
  state: "growing" | "done" | "abandoned" = "growing";
  #changed = new Signal();

  constructor(
    readonly path: string,
    selector: KeySelector,
    /** Called for every key read: kept or dropped. */
    readonly onKey: (kept: boolean) => void = () => {},
    /** User hooks and sinks, run on every entry the selector keeps. */
    hooks?: Hooks,
    /** The master's replication ID and offset of this snapshot, for change events. */
    position?: { replid: string; offset: number },
  ) {
    // A hook needs whole values: no value is streamed in chunks past it.
    this.#parser = new RdbParser(hooks ? { largeValueBytes: Infinity } : {});
    const file = Deno.openSync(path, { write: true, create: true, truncate: true });
    this.#file = file;
    // The master's checksum is verified on the way in; the file is served within seconds, so
    // like Redis with rdbchecksum no it is written without one, which saves a pass over it.
    this.#filter = new RdbFilter(
      selector,
      (chunk) => {
        for (let at = 0; at < chunk.length;) at += file.writeSync(chunk.subarray(at));
        this.written += chunk.length;
        this.#changed.wake();
      },
      undefined,
      false,
    );
    if (hooks) {
      // The hooks see the source's key names: the selector is applied before them.
      this.#filter = new RdbFilter(new KeySelector(), this.#filter.sink, undefined, false);
      this.#hooked = new HookedRecords(hooks, selector, (record, kept) => {
        if (this.state !== "growing") return;
        if (kept !== false) this.#filter.visit(record);
        else this.#filter.stats.keys++;
        if (kept !== undefined) this.onKey(kept);
      }, position);
    }
  }

  /**
   * Ends the snapshot once everything pushed went through the hooks (at once without hooks);
   * throws a hook failure under the `stop` policy.
   */
  async complete(): Promise<{ size: number; keys: number; kept: number }> {
    if (!this.#hooked) return this.finish();
    this.#parser.end();
    this.#drain();
    await this.#hooked.done();
    return this.finish();
  }

  /** Throws RdbSyntaxError when the master's bytes are not a valid RDB. */
  push(chunk: Uint8Array): void {
    this.#parser.push(chunk);
    this.#drain();
  }

  /** Ends the snapshot: the file is complete; returns its size and the key counts. */
  finish(): { size: number; keys: number; kept: number } {
    if (!this.#hooked) {
      this.#parser.end();
      this.#drain();
    }
    this.#close();
    this.state = "done";
    this.#changed.wake();
    const { keys, kept } = this.#filter.stats;
    return { size: Deno.statSync(this.path).size, keys, kept };
  }

  /** Gives up on an unfinished snapshot and removes its file. */
  abandon(): void {
    if (!this.#open) return;
    this.#close();
    this.state = "abandoned";
    this.#changed.wake();
    Deno.remove(this.path).catch(() => {});
  }

  /** Resolves when more bytes were written, or the file was finished or abandoned. */
  changed(): Promise<void> {
    return this.#changed.wait();
  }

  #close(): void {
    if (!this.#open) return;
    this.#open = false;
    this.#file.close();
  }

  #drain(): void {
    for (let record = this.#parser.next(); record; record = this.#parser.next()) {
      if (this.#hooked) {
        this.#hooked.add(record);
        continue;
      }
      const keptBefore = this.#filter.stats.kept;
      this.#filter.visit(record);
      if (record.kind === "entry" || record.kind === "largevalue") {
        this.onKey(this.#filter.stats.kept > keptBefore);
      }
    }
  }
}
