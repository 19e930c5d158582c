import { KeySelector } from "../rdb/mod.ts";
import { HookFailedError, type Hooks, StepChain } from "../hooks/mod.ts";
import { hookedEvents, type HookedStreamCommand } from "./hooked_events.ts";
import { concatChunks } from "../util/mod.ts";
import { Backlog } from "./backlog.ts";
import { loadCheckpoint } from "./checkpoint.ts";
import { MasterLink, type MasterLinkOptions } from "./master_link.ts";
import {
  type Continuation,
  ReplicaSession,
  type ReplicationSource,
  type Snapshot,
} from "./replica_session.ts";
import { SnapshotFile } from "./snapshot_file.ts";
import { SnapshotRefresh } from "./snapshot_refresh.ts";
import { ReshardMetrics } from "./reshard_metrics.ts";
import { ResumePoints } from "./resume_points.ts";
import { refreshGauges, replicationInfo } from "./reshard_status.ts";
import { StreamFilter } from "./stream_filter.ts";

export interface ReshardOptions {
  master: { hostname: string; port: number; username?: string; password?: string };
  listen: { hostname: string; port: number };
  include?: RegExp;
  exclude?: RegExp;
  /** File where the resume point is kept; without it a restart means a full sync. */
  checkpointPath?: string;
  /** Filtered stream kept for replicas to continue from (default 64 MiB). */
  backlogBytes?: number;
  /** Directory for snapshot files (default: a temporary one). */
  workDir?: string;
  replicaWriteTimeoutMs?: number;
  log?: (message: string) => void;
  /**
   * User hooks and change sinks: snapshot entries and stream commands pass through them before
   * replicas get them. They must be deterministic for a checkpoint to resume byte for byte.
   */
  hooks?: Hooks;
}

function randomReplid(): string {
  return [...crypto.getRandomValues(new Uint8Array(20))].map((b) => b.toString(16).padStart(2, "0"))
    .join("");
}

/**
 * `remiro reshard`: replicates from a master as a replica would, keeps only the keys the
 * selector matches, in the snapshot and in the command stream, and serves the result to any
 * number of Redis replicas as if it were their master. Replicas share one upstream sync: the
 * filtered snapshot is kept on disk and the filtered stream in a backlog, so a replica that
 * arrives later or reconnects is served from them. With a checkpoint file the proxy resumes
 * after a restart with PSYNC to the master and +CONTINUE to its replicas, sending nothing twice.
 */
export class ReshardProxy implements ReplicationSource {
  readonly metrics = new ReshardMetrics();
  readonly selector: KeySelector;
  replid = randomReplid();
  readonly backlog: Backlog;
  readonly sessions = new Set<ReplicaSession>();
  #listener: Deno.TcpListener | undefined;
  #link: MasterLink | undefined;
  #resume: { replid: string; offset: number } | undefined;
  #filter: StreamFilter;
  #snapshot: Snapshot | undefined;
  #snapshotWaiters: ((snapshot: Snapshot) => void)[] = [];
  #snapshotCount = 0;
  /** The snapshot the main link is receiving (its first sync, or after losing continuity). */
  #incoming: SnapshotFile | undefined;
  /** A second link fetching a fresh snapshot while the main stream goes on. */
  #refresh: SnapshotRefresh | undefined;
  #points: ResumePoints;
  #checkpointTimer: ReturnType<typeof setInterval> | undefined;
  #closed = false;
  #workDir = "";
  #ownWorkDir = false;
  #upstreamLoop: Promise<void> = Promise.resolve();
  /** With hooks, the link's events are handled in order by one chain of async steps. */
  readonly #chain = new StepChain(
    (error) => {
      this.log(`hooks: ${error.message}`);
      if (error instanceof HookFailedError) {
        this.failure = error;
        this.#closed = true;
      }
      this.#link?.close();
    },
    () => !this.#refresh,
  );
  /** A hook failed under the `stop` policy: the proxy stops following the master. */
  failure: Error | undefined;

  constructor(readonly options: ReshardOptions) {
    this.selector = new KeySelector(options.include, options.exclude);
    this.backlog = new Backlog(options.backlogBytes ?? 64 * 2 ** 20);
    this.#filter = this.#newFilter();
    this.#points = new ResumePoints(options.checkpointPath, (message) => this.log(message));
  }

  log(message: string): void {
    this.options.log?.(`${new Date().toISOString()} ${message}`);
  }

  /** The port replicas connect to (after {@link start}). */
  get port(): number {
    return (this.#listener!.addr as Deno.NetAddr).port;
  }

  /** Master replication ID and offset consumed, once linked. */
  get master(): { replid: string; offset: number; streaming: boolean } {
    const link = this.#link;
    return {
      replid: link?.replid ?? "",
      offset: link?.offset ?? -1,
      streaming: link?.streaming ?? false,
    };
  }

  async start(): Promise<void> {
    const { options } = this;
    if (options.workDir) this.#workDir = options.workDir;
    else {
      this.#workDir = await Deno.makeTempDir({ prefix: "remiro-reshard-" });
      this.#ownWorkDir = true;
    }
    if (options.checkpointPath) await this.#restore(options.checkpointPath);
    this.#listener = Deno.listen(options.listen);
    this.#accept(this.#listener);
    this.#upstreamLoop = this.#upstream();
    if (options.checkpointPath) {
      this.#checkpointTimer = setInterval(() => this.#saveCheckpoint(), 100);
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#checkpointTimer);
    this.#listener?.close();
    this.#link?.close();
    for (const session of this.sessions) session.close();
    await this.#upstreamLoop;
    await this.#saveCheckpoint();
    this.#incoming?.abandon();
    this.#refresh?.close();
    if (this.#ownWorkDir) await Deno.remove(this.#workDir, { recursive: true }).catch(() => {});
  }

  get #hooked(): boolean {
    const { hooks } = this.options;
    return hooks?.runner !== undefined || hooks?.delivery?.active === true;
  }

  #newFilter(): StreamFilter {
    // With hooks, the selector is applied with them, to the master's key names.
    const selector = this.#hooked ? new KeySelector() : this.selector;
    return new StreamFilter(selector, (name, keys) => {
      const text = keys.map((k) => JSON.stringify(new TextDecoder().decode(k))).join(" ");
      this.log(`dropped ${name.toUpperCase()} ${text}: its keys are on both sides of the filter`);
    });
  }

  async #restore(path: string): Promise<void> {
    const checkpoint = await loadCheckpoint(path);
    if (!checkpoint) return;
    if (checkpoint.filter !== this.selector.describe()) {
      this.log(`checkpoint ${path} was made with another filter: starting with a full sync`);
      return;
    }
    this.replid = checkpoint.proxyReplid;
    this.backlog.reset(checkpoint.proxyOffset);
    this.#filter.db = checkpoint.db;
    this.#resume = { replid: checkpoint.masterReplid, offset: checkpoint.masterOffset };
    this.#points.reset({
      proxyOffset: checkpoint.proxyOffset,
      masterOffset: checkpoint.masterOffset,
      db: checkpoint.db,
    });
    this.log(
      `resuming from checkpoint: master ${checkpoint.masterReplid} offset ${checkpoint.masterOffset}, ` +
        `stream offset ${checkpoint.proxyOffset}`,
    );
  }

  async #accept(listener: Deno.TcpListener): Promise<void> {
    try {
      for await (const conn of listener) {
        conn.setNoDelay(true);
        const session = new ReplicaSession(conn, this, {
          writeTimeoutMs: this.options.replicaWriteTimeoutMs,
        });
        this.sessions.add(session);
        session.run().finally(() => this.sessions.delete(session));
      }
    } catch (error) {
      if (!this.#closed) this.log(`listener failed: ${(error as Error).message}`);
    }
  }

  /** Keeps a link to the master, reconnecting with back-off and resuming where it stopped. */
  async #upstream(): Promise<void> {
    let delay = 100;
    while (!this.#closed) {
      const { master, listen } = this.options;
      const link: MasterLink = new MasterLink({
        ...master,
        listeningPort: listen.port,
        resume: this.#resume,
        events: this.#hooked ? this.#hookedEvents((): MasterLink => link) : {
          fullSync: (replid, offset) => this.#onFullSync(replid, offset),
          rdbChunk: (chunk) => this.#onRdbChunk(chunk),
          rdbEnd: () => this.#onRdbEnd(),
          continued: (replid) => this.#onContinued(replid, link),
          commands: (commands, offset) => this.#onCommands(commands, offset),
        },
      });
      this.#link = link;
      try {
        const running = link.run();
        await running;
        await this.#chain.idle();
        this.#chain.reset();
        if (!this.#closed) this.log("master closed the replication link");
      } catch (error) {
        if (!this.#closed) {
          this.log(`replication link to the master failed: ${(error as Error).message}`);
        }
      }
      this.metrics.upstreamUp.set(0);
      if (link.streaming) {
        this.#resume = { replid: link.replid, offset: link.offset };
        delay = 100;
      }
      this.#incoming?.abandon();
      this.#incoming = undefined;
      if (this.#closed) return;
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, 2000);
    }
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
      this.selector,
      (kept) => this.metrics.countSnapshotKey(kept),
      this.#hooked ? (position ? hooks : { runner: hooks!.runner }) : undefined,
      position,
    );
  }

  #onFullSync(replid: string, offset: number): void {
    this.metrics.fullSyncs.inc({ direction: "upstream" });
    this.log(`full sync from the master: replication ${replid} at offset ${offset}`);
    // A new snapshot on the main link starts a new history: replicas fed from the old one
    // must sync again.
    if (this.backlog.end > 0 || this.#snapshot) {
      this.replid = randomReplid();
      for (const session of this.sessions) {
        if (session.state !== "waiting" && session.state !== "handshake") session.close();
      }
    }
    this.#snapshot = undefined;
    this.#filter = this.#newFilter();
    this.#points.reset();
    this.backlog.reset(this.backlog.end);
    this.#incoming?.abandon();
    this.#incoming = this.#newSnapshotFile({ replid, offset });
    const waiters = this.#snapshotWaiters;
    this.#snapshotWaiters = [];
    for (const wake of waiters) wake(this.#growingSnapshot()!);
  }

  #onRdbChunk(chunk: Uint8Array): void {
    this.#incoming!.push(chunk);
  }

  #onRdbEnd(): void {
    const file = this.#incoming!;
    this.#incoming = undefined;
    this.#snapshotDone(file, file.finish());
  }

  #snapshotDone(file: SnapshotFile, { size, keys, kept }: ReturnType<SnapshotFile["finish"]>) {
    const offset = this.backlog.end;
    this.#points.reset({ proxyOffset: offset, masterOffset: this.#link!.offset, db: 0 });
    this.metrics.upstreamUp.set(1);
    this.log(`snapshot filtered: kept ${kept} of ${keys} keys, ${size} bytes; serving replicas`);
    // The master starts the stream after a full sync with a SELECT: no prefix needed.
    this.#publish({ path: file.path, size, offset, prefix: new Uint8Array(0) });
    // A restart right after a snapshot can continue from it instead of taking another one.
    void this.#saveCheckpoint();
  }

  #publish(snapshot: Snapshot): void {
    const old = this.#snapshot;
    this.#snapshot = snapshot;
    if (old && old.path !== snapshot.path) Deno.remove(old.path).catch(() => {});
    const waiters = this.#snapshotWaiters;
    this.#snapshotWaiters = [];
    for (const wake of waiters) wake(snapshot);
  }

  /** Fetches a fresh snapshot over a second link, lined up with the running stream. */
  #refreshSnapshot(): void {
    const main = this.#link;
    if (this.#refresh || !main?.streaming) return;
    this.log("a replica needs a full sync the kept snapshot cannot serve: fetching a fresh one");
    const refresh = new SnapshotRefresh({
      master: this.options.master,
      listeningPort: this.options.listen.port,
      main,
      newFile: () => this.#newSnapshotFile(),
      position: () => ({ streamOffset: this.backlog.end, db: this.#filter.db }),
      onFullSync: () => this.metrics.fullSyncs.inc({ direction: "upstream" }),
      onReady: (snapshot) => this.#publish(snapshot),
      log: (message) => this.log(message),
    });
    this.#refresh = refresh;
    refresh.run().then((ready) => {
      if (this.#refresh === refresh) this.#refresh = undefined;
      // Waiting replicas keep waiting; try again shortly.
      if (!ready && this.#snapshotWaiters.length && !this.#closed) {
        setTimeout(() => this.#refreshSnapshot(), 500);
      }
    });
  }

  #hookedEvents(link: () => MasterLink): MasterLinkOptions["events"] {
    return hookedEvents(this.#chain, link, this.options.hooks!, this.selector, {
      fullSync: (replid, offset) => this.#onFullSync(replid, offset),
      rdbChunk: (chunk) => this.#onRdbChunk(chunk),
      rdbEnd: async () => {
        const file = this.#incoming!;
        const done = await file.complete();
        if (this.#incoming !== file) return;
        this.#incoming = undefined;
        this.#snapshotDone(file, done);
      },
      continued: (replid) => this.#onContinued(replid, link()),
      commands: (commands, offset) => this.#onCommands(commands, offset),
      db: () => this.#filter.db,
    });
  }

  #onContinued(replid: string, link: MasterLink): void {
    this.metrics.partialSyncs.inc({ direction: "upstream" });
    this.log(`master continued replication ${replid} from offset ${link.offset}`);
    // Replicas that were waiting for a snapshot while the link was down.
    setTimeout(() => this.#snapshotWaiters.length && this.#refreshSnapshot(), 0);
  }

  #onCommands(commands: HookedStreamCommand[], masterOffset: number): void {
    this.metrics.upstreamUp.set(1);
    const refresh = this.#refresh;
    let output: Uint8Array[] = [];
    let running = masterOffset - commands.reduce((n, c) => n + c.bytes, 0);
    for (const command of commands) {
      const result = command.dropped
        ? { outcome: command.dropped === "mixed" ? "mixed" as const : "dropped" as const }
        : this.#filter.filter(command.args, command.raw);
      this.metrics.countCommand(result.outcome);
      if (result.output) output.push(result.output);
      running += command.bytes;
      if (refresh?.waitingForStream && refresh.masterOffset === running) {
        this.#appendOutput(output);
        output = [];
        refresh.lineUp();
      }
    }
    this.#appendOutput(output);
    if (!this.#filter.inTransaction) {
      this.#points.add({ proxyOffset: this.backlog.end, masterOffset, db: this.#filter.db });
    }
    this.metrics.masterOffset.set(masterOffset);
    this.metrics.proxyOffset.set(this.backlog.end);
  }

  #appendOutput(output: Uint8Array[]): void {
    if (output.length === 0) return;
    this.backlog.append(output.length === 1 ? output[0].slice() : concatChunks(output));
  }

  /** ReplicationSource: the current snapshot, fetching a fresh one when the backlog lost its place. */
  snapshot(): Promise<Snapshot> {
    const current = this.#snapshot;
    if (current && this.backlog.start <= current.offset + current.prefix.length) {
      return Promise.resolve(current);
    }
    const incoming = this.#growingSnapshot();
    if (incoming) return Promise.resolve(incoming);
    const waiting = new Promise<Snapshot>((resolve) => this.#snapshotWaiters.push(resolve));
    this.#refreshSnapshot();
    return waiting;
  }

  /**
   * While the main link receives a snapshot, replicas can follow it as it is written. The
   * stream starts after it, at the current end: no commands flow during a transfer.
   */
  #growingSnapshot(): Snapshot | undefined {
    const incoming = this.#incoming;
    if (!incoming) return undefined;
    return {
      path: incoming.path,
      size: -1,
      offset: this.backlog.end,
      prefix: new Uint8Array(0),
      growing: incoming,
    };
  }

  continuation(replid: string, offset: number): Continuation | undefined {
    if (replid !== this.replid) return undefined;
    const snapshot = this.#snapshot;
    // A replica that loaded a snapshot but had not yet read its prefix.
    if (snapshot?.prefix.length && offset === snapshot.offset) {
      const from = offset + snapshot.prefix.length;
      return from >= this.backlog.start ? { prefix: snapshot.prefix, from } : undefined;
    }
    return offset >= this.backlog.start ? { prefix: new Uint8Array(0), from: offset } : undefined;
  }

  served(kind: "full" | "partial"): void {
    if (kind === "full") this.metrics.fullSyncs.inc({ direction: "downstream" });
    else this.metrics.partialSyncs.inc({ direction: "downstream" });
  }

  dropped(reason: string, session: ReplicaSession): void {
    this.metrics.replicaDrops.inc({ reason });
    this.log(`replica ${session.name} disconnected: ${reason}`);
  }

  info(): string {
    return replicationInfo(this);
  }

  /** Updates the lag and state gauges, so /metrics renders current values. */
  refreshGauges(): void {
    refreshGauges(this);
  }

  /** Saves the resume point every streaming replica has been sent. */
  #saveCheckpoint(): Promise<void> {
    let limit = this.backlog.end;
    for (const session of this.sessions) {
      if (session.state === "streaming") limit = Math.min(limit, session.sent);
    }
    return this.#points.save(limit, {
      masterReplid: this.#link?.replid || this.#resume?.replid,
      proxyReplid: this.replid,
      filter: this.selector.describe(),
    });
  }
}
