import { type Checkpoint, saveCheckpoint } from "./checkpoint.ts";

/** A point of the filtered stream, between transactions, and the master position it matches. */
export interface ResumePoint {
  proxyOffset: number;
  masterOffset: number;
  db: number;
}

const KEEP = 4096;

/**
 * The recent places where the filtered stream could resume after a restart, and the checkpoint
 * file they are written to: at each save, the newest point at or behind what every streaming
 * replica has been sent, written only when it changed.
 */
export class ResumePoints {
  #points: ResumePoint[] = [];
  #lastSaved = "";

  constructor(readonly path: string | undefined, readonly log: (message: string) => void) {}

  get empty(): boolean {
    return this.#points.length === 0;
  }

  /** Starts over from `point` (a snapshot's end, a restored checkpoint) or from nothing. */
  reset(point?: ResumePoint): void {
    this.#points = point ? [point] : [];
  }

  add(point: ResumePoint): void {
    this.#points.push(point);
    if (this.#points.length > KEEP) this.#points.splice(0, KEEP / 2);
  }

  /** The newest point whose stream offset is at most `limit`. */
  atOrBefore(limit: number): ResumePoint | undefined {
    for (let i = this.#points.length - 1; i >= 0; i--) {
      if (this.#points[i].proxyOffset <= limit) return this.#points[i];
    }
    return undefined;
  }

  /** Writes the checkpoint for `limit` if there is one and it changed. */
  async save(
    limit: number,
    ids: { masterReplid: string | undefined; proxyReplid: string; filter: string },
  ): Promise<void> {
    const point = this.atOrBefore(limit);
    if (!this.path || !point || !ids.masterReplid) return;
    const checkpoint: Checkpoint = {
      masterReplid: ids.masterReplid,
      masterOffset: point.masterOffset,
      proxyReplid: ids.proxyReplid,
      proxyOffset: point.proxyOffset,
      db: point.db,
      filter: ids.filter,
    };
    const text = JSON.stringify(checkpoint);
    if (text === this.#lastSaved) return;
    this.#lastSaved = text;
    await saveCheckpoint(this.path, checkpoint).catch((error) =>
      this.log(`cannot write checkpoint ${this.path}: ${(error as Error).message}`)
    );
  }
}
