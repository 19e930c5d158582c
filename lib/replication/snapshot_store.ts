import type { Hooks } from "../hooks/mod.ts";
import type { KeySelector } from "../rdb/mod.ts";
import type { Backlog } from "./backlog.ts";
import type { MasterLink } from "./master_link.ts";
import type { Continuation, Snapshot } from "./replica_session.ts";
import type { ReshardMetrics } from "./reshard_metrics.ts";
import { SnapshotFile } from "./snapshot_file.ts";
import { SnapshotRefresh, type SnapshotRefreshOptions } from "./snapshot_refresh.ts";

/** What a {@linkcode SnapshotStore} needs from the reshard proxy that owns it. */
export interface SnapshotStoreOptions {
  master: SnapshotRefreshOptions["master"];
  listeningPort: number;
  selector: KeySelector;
  backlog: Backlog;
  metrics: ReshardMetrics;
  hooks: Hooks | undefined;
  /** Whether snapshot entries pass through the hooks. */
  hooked(): boolean;
  /** The main link to the master, which a fresh snapshot is lined up with. */
  link(): MasterLink | undefined;
  /** The database the filtered stream has selected. */
  db(): number;
  closed(): boolean;
  log(message: string): void;
}

/**
 * The filtered snapshots a reshard proxy serves full syncs from: the one the main link is
 * receiving, the last complete one kept on disk, and a fresh one fetched over a second link when
 * the backlog no longer reaches back to the kept one. Replicas wait here while none can serve them.
 */
export class SnapshotStore {
  #snapshot: Snapshot | undefined;
  #snapshotWaiters: ((snapshot: Snapshot) => void)[] = [];
  #snapshotCount = 0;
  /** The snapshot the main link is receiving (its first sync, or after losing continuity). */
  incoming: SnapshotFile | undefined;
  /** A second link fetching a fresh snapshot while the main stream goes on. */
  #refresh: SnapshotRefresh | undefined;
  #workDir = "";
  #ownWorkDir = false;

  constructor(readonly options: SnapshotStoreOptions) {}

  /** The last complete snapshot. */
  get current(): Snapshot | undefined {
    return this.#snapshot;
  }

  /** The fresh snapshot being fetched over a second link, if any. */
  get refreshing(): SnapshotRefresh | undefined {
    return this.#refresh;
  }

  /** Whether replicas are waiting for a snapshot. */
  get waiting(): boolean {
    return this.#snapshotWaiters.length > 0;
  }

  /** Keeps snapshot files in `workDir`, or in a temporary directory {@link close} removes. */
  async open(workDir: string | undefined): Promise<void> {
    if (workDir) this.#workDir = workDir;
    else {
      this.#workDir = await Deno.makeTempDir({ prefix: "remiro-reshard-" });
      this.#ownWorkDir = true;
    }
  }

  async close(): Promise<void> {
    this.incoming?.abandon();
    this.#refresh?.close();
    if (this.#ownWorkDir) await Deno.remove(this.#workDir, { recursive: true }).catch(() => {});
  }

  /**
   * A file for a snapshot being received. With hooks, the main link's snapshot (`position`
   * given) announces its keys to the change sinks; a fresh one for late replicas does not.
   */
  #newSnapshotFile(position?: { replid: string; offset: number }): SnapshotFile {
    const path = `${this.#workDir}/snapshot-${++this.#snapshotCount}.rdb`;
    const { hooks } = this.options;
    return new SnapshotFile(
      path,
      this.options.selector,
      (kept) => this.options.metrics.countSnapshotKey(kept),
      this.options.hooked() ? (position ? hooks : { runner: hooks!.runner }) : undefined,
      position,
    );
  }

  /**
   * The main link starts receiving a snapshot: the kept one no longer applies, and waiting
   * replicas follow the new one as it is written.
   */
  receive(position: { replid: string; offset: number }): void {
    this.#snapshot = undefined;
    this.incoming?.abandon();
    this.incoming = this.#newSnapshotFile(position);
    const waiters = this.#snapshotWaiters;
    this.#snapshotWaiters = [];
    for (const wake of waiters) wake(this.#growingSnapshot()!);
  }

  publish(snapshot: Snapshot): void {
    const old = this.#snapshot;
    this.#snapshot = snapshot;
    if (old && old.path !== snapshot.path) Deno.remove(old.path).catch(() => {});
    const waiters = this.#snapshotWaiters;
    this.#snapshotWaiters = [];
    for (const wake of waiters) wake(snapshot);
  }

  /** Fetches a fresh snapshot over a second link, lined up with the running stream. */
  refresh(): void {
    const main = this.options.link();
    if (this.#refresh || !main?.streaming) return;
    this.options.log(
      "a replica needs a full sync the kept snapshot cannot serve: fetching a fresh one",
    );
    const refresh = new SnapshotRefresh({
      master: this.options.master,
      listeningPort: this.options.listeningPort,
      main,
      newFile: () => this.#newSnapshotFile(),
      position: () => ({ streamOffset: this.options.backlog.end, db: this.options.db() }),
      onFullSync: () => this.options.metrics.fullSyncs.inc({ direction: "upstream" }),
      onReady: (snapshot) => this.publish(snapshot),
      log: (message) => this.options.log(message),
    });
    this.#refresh = refresh;
    refresh.run().then((ready) => {
      if (this.#refresh === refresh) this.#refresh = undefined;
      // Waiting replicas keep waiting; try again shortly.
      if (!ready && this.#snapshotWaiters.length && !this.options.closed()) {
        setTimeout(() => this.refresh(), 500);
      }
    });
  }

  /** The current snapshot, fetching a fresh one when the backlog lost its place. */
  snapshot(): Promise<Snapshot> {
    const current = this.#snapshot;
    if (current && this.options.backlog.start <= current.offset + current.prefix.length) {
      return Promise.resolve(current);
    }
    const incoming = this.#growingSnapshot();
    if (incoming) return Promise.resolve(incoming);
    const waiting = new Promise<Snapshot>((resolve) => this.#snapshotWaiters.push(resolve));
    this.refresh();
    return waiting;
  }

  /** Where a replica of the current history at `offset` continues, if the backlog still reaches it. */
  continuation(offset: number): Continuation | undefined {
    const snapshot = this.#snapshot;
    const { backlog } = this.options;
    // A replica that loaded a snapshot but had not yet read its prefix.
    if (snapshot?.prefix.length && offset === snapshot.offset) {
      const from = offset + snapshot.prefix.length;
      return from >= backlog.start ? { prefix: snapshot.prefix, from } : undefined;
    }
    return offset >= backlog.start ? { prefix: new Uint8Array(0), from: offset } : undefined;
  }

  /**
   * While the main link receives a snapshot, replicas can follow it as it is written. The
   * stream starts after it, at the current end: no commands flow during a transfer.
   */
  #growingSnapshot(): Snapshot | undefined {
    const incoming = this.incoming;
    if (!incoming) return undefined;
    return {
      path: incoming.path,
      size: -1,
      offset: this.options.backlog.end,
      prefix: new Uint8Array(0),
      growing: incoming,
    };
  }
}
