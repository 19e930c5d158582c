import type { ChangeEvent } from "./hook_types.ts";
import type { ChangeSink } from "./change_sinks.ts";

/** How far a sink got, in the source's replication stream. */
export interface DeliveredPosition {
  replid: string;
  offset: number;
  index: number;
}

/** Events by sink and outcome, as `remiro_change_events_total{sink,result}` exports them. */
export type DeliveryCounts = Record<string, { delivered: number; skipped: number }>;

/** Events handed to the sinks at once. */
const BATCH = 500;

function after(event: ChangeEvent, position: DeliveredPosition | undefined, replid: string) {
  if (!position || position.replid !== replid || event.offset === undefined) return true;
  return event.offset > position.offset ||
    (event.offset === position.offset && (event.index ?? 0) > position.index);
}

/**
 * Delivers change events to every sink, in order, in batches, each batch only once the previous
 * one was acknowledged (the caller awaits, so a slow sink slows the source down instead of
 * events being dropped). With a log file, each sink's position in the source's stream (replid,
 * offset, and the event's index at that offset) is written after the sink acknowledged, and
 * events at or before it are not delivered again after a restart: at-least-once delivery made
 * exactly-once by the offset. Events without an offset (keyspace notifications) carry no
 * position and are delivered at least once.
 */
export class ChangeDelivery {
  readonly counts: DeliveryCounts = {};
  #positions: Record<string, DeliveredPosition> = {};

  private constructor(
    readonly sinks: readonly ChangeSink[],
    readonly logFile: string | undefined,
  ) {
    for (const sink of sinks) this.counts[sink.name] = { delivered: 0, skipped: 0 };
  }

  static async open(sinks: readonly ChangeSink[], logFile?: string): Promise<ChangeDelivery> {
    const delivery = new ChangeDelivery(sinks, logFile);
    if (logFile) {
      try {
        delivery.#positions = JSON.parse(await Deno.readTextFile(logFile)).sinks ?? {};
      } catch (error) {
        if (!(error instanceof Deno.errors.NotFound)) {
          throw new Error(`Cannot read the delivery log ${logFile}: ${(error as Error).message}`);
        }
      }
    }
    return delivery;
  }

  get active(): boolean {
    return this.sinks.length > 0;
  }

  /** The position a sink has acknowledged, if any. */
  position(sink: string): DeliveredPosition | undefined {
    return this.#positions[sink];
  }

  /** Delivers `events` (of the stream `replid`) to every sink; resolves once all acknowledged. */
  async deliver(events: readonly ChangeEvent[], replid = ""): Promise<void> {
    for (let i = 0; i < events.length; i += BATCH) {
      const batch = events.slice(i, i + BATCH);
      for (const sink of this.sinks) {
        const fresh = batch.filter((event) => after(event, this.#positions[sink.name], replid));
        this.counts[sink.name].skipped += batch.length - fresh.length;
        if (fresh.length === 0) continue;
        await sink.deliver(fresh);
        this.counts[sink.name].delivered += fresh.length;
        const last = fresh.at(-1)!;
        if (last.offset !== undefined) {
          this.#positions[sink.name] = { replid, offset: last.offset, index: last.index ?? 0 };
          await this.#save();
        }
      }
    }
  }

  /** Written beside and renamed over, so a crash leaves the old log or the new one. */
  async #save(): Promise<void> {
    if (!this.logFile) return;
    const temp = `${this.logFile}.tmp`;
    await Deno.writeTextFile(temp, JSON.stringify({ sinks: this.#positions }));
    await Deno.rename(temp, this.logFile);
  }

  close(): void {
    for (const sink of this.sinks) sink.close?.();
  }
}
