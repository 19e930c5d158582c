import { encodeCommand } from "../resp/mod.ts";
import { MasterLink, type MasterLinkOptions } from "./master_link.ts";
import type { Snapshot } from "./replica_session.ts";
import type { SnapshotFile } from "./snapshot_file.ts";

export interface SnapshotRefreshOptions {
  master: Omit<MasterLinkOptions, "events" | "resume" | "listeningPort">;
  listeningPort: number;
  /** The link whose stream the snapshot must be lined up with. */
  main: MasterLink;
  newFile(): SnapshotFile;
  /** The stream position and selected database right now (called when lined up). */
  position(): { streamOffset: number; db: number };
  onFullSync(): void;
  onReady(snapshot: Snapshot): void;
  log(message: string): void;
}

/**
 * A fresh snapshot fetched over a second link while the main stream goes on, lined up with it:
 * the main link stops consuming before the second link's PSYNC, so the master's snapshot offset
 * is at or ahead of it; the main link resumes once that offset is known, and the stream position
 * where it reaches the offset ({@link lineUp}) is the snapshot's place. A replica starting from it
 * gets a SELECT of the stream's database after the file, counted in its offset.
 */
export class SnapshotRefresh {
  /** The master offset of the snapshot, once the master announced it. */
  masterOffset: number | undefined;
  #file: SnapshotFile | undefined;
  #position: { streamOffset: number; db: number } | undefined;
  #size: number | undefined;
  /** The file being completed (with hooks, after the worker has seen every entry). */
  #completing: Promise<void> = Promise.resolve();
  readonly #link: MasterLink;

  constructor(readonly options: SnapshotRefreshOptions) {
    const { main } = options;
    this.#link = new MasterLink({
      ...options.master,
      listeningPort: options.listeningPort,
      events: {
        fullSync: (replid, offset) => {
          if (replid !== main.replid || offset < main.offset) {
            options.log(`fresh snapshot ${replid}:${offset} cannot be lined up with the stream`);
            this.#link.close();
            return;
          }
          this.masterOffset = offset;
          this.#file = options.newFile();
          options.onFullSync();
          if (offset === main.offset) this.lineUp();
          main.resume();
        },
        rdbChunk: (chunk) => this.#file!.push(chunk),
        rdbEnd: () => {
          this.#link.close();
          this.#completing = this.#file!.complete().then(({ size }) => {
            this.#size = size;
            this.#complete();
          }, (error) => options.log(`fresh snapshot: ${(error as Error).message}`));
        },
        continued: () => this.#link.close(),
        commands: () => {},
      },
    });
  }

  /** Whether the main stream still has to reach {@link masterOffset}. */
  get waitingForStream(): boolean {
    return this.masterOffset !== undefined && this.#position === undefined;
  }

  /** Runs until the snapshot is ready (true) or the attempt failed (false). */
  async run(): Promise<boolean> {
    this.options.main.pause();
    try {
      await this.#link.run();
      await this.#completing;
    } catch (error) {
      this.options.log(`fresh snapshot link failed: ${(error as Error).message}`);
    } finally {
      this.options.main.resume();
    }
    const ready = this.#size !== undefined && this.#position !== undefined;
    if (!ready) this.#file?.abandon();
    return ready;
  }

  close(): void {
    this.#link.close();
    this.#file?.abandon();
  }

  /** The main stream is exactly at the snapshot's master offset: take its place there. */
  lineUp(): void {
    this.#position = this.options.position();
    this.#complete();
  }

  #complete(): void {
    const position = this.#position;
    if (this.#size === undefined || position === undefined) return;
    const prefix = position.db
      ? encodeCommand(["SELECT", String(position.db)]).slice()
      : new Uint8Array(0);
    this.options.log(`fresh snapshot ready at stream offset ${position.streamOffset}`);
    this.options.onReady({
      path: this.#file!.path,
      size: this.#size,
      offset: position.streamOffset - prefix.length,
      prefix,
    });
  }
}
