import { type KeySelector, RdbFilter, RdbParser } from "../rdb/mod.ts";
import { Signal } from "../util/mod.ts";

/**
 * A master's snapshot, filtered as it arrives and written to disk: the parser streams it, the
 * filter copies the selected entries byte for byte, the file is what replicas' full syncs are
 * served from.
 */
export class SnapshotFile {
  readonly #parser = new RdbParser();
  readonly #filter: RdbFilter;
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
  ) {
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
  }

  /** Throws RdbSyntaxError when the master's bytes are not a valid RDB. */
  push(chunk: Uint8Array): void {
    this.#parser.push(chunk);
    this.#drain();
  }

  /** Ends the snapshot: the file is complete; returns its size and the key counts. */
  finish(): { size: number; keys: number; kept: number } {
    this.#parser.end();
    this.#drain();
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
      const keptBefore = this.#filter.stats.kept;
      this.#filter.visit(record);
      if (record.kind === "entry" || record.kind === "largevalue") {
        this.onKey(this.#filter.stats.kept > keptBefore);
      }
    }
  }
}
