import { KeySelector } from "../rdb/mod.ts";
import { HookFailedError, StepChain } from "../hooks/mod.ts";
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
import type { SnapshotFile } from "./snapshot_file.ts";
import { SnapshotStore } from "./snapshot_store.ts";
import { ReshardMetrics } from "./reshard_metrics.ts";
import { ResumePoints } from "./resume_points.ts";
import type { ReshardOptions } from "./reshard_options.ts";
import { refreshGauges, replicationInfo } from "./reshard_status.ts";
import { StreamFilter } from "./stream_filter.ts";

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
  readonly #snapshots: SnapshotStore;
  #points: ResumePoints;
  #checkpointTimer: ReturnType<typeof setInterval> | undefined;
  #closed = false;
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
    () => !this.#snapshots.refreshing,
  );
  /** A hook failed under the `stop` policy: the proxy stops following the master. */
  failure: Error | undefined;

  constructor(readonly options: ReshardOptions) {
    this.selector = new KeySelector(options.include, options.exclude);
    this.backlog = new Backlog(options.backlogBytes ?? 64 * 2 ** 20);
    this.#filter = this.#newFilter();
    this.#snapshots = new SnapshotStore({
      master: options.master,
      listeningPort: options.listen.port,
      selector: this.selector,
      backlog: this.backlog,
      metrics: this.metrics,
      hooks: options.hooks,
      hooked: () => this.#hooked,
      link: () => this.#link,
      db: () => this.#filter.db,
      closed: () => this.#closed,
      log: (message) => this.log(message),
    });
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
    await this.#snapshots.open(options.workDir);
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
    await this.#snapshots.close();
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
      this.#snapshots.incoming?.abandon();
      this.#snapshots.incoming = undefined;
      if (this.#closed) return;
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, 2000);
    }
  }

  #onFullSync(replid: string, offset: number): void {
    this.metrics.fullSyncs.inc({ direction: "upstream" });
    this.log(`full sync from the master: replication ${replid} at offset ${offset}`);
    // A new snapshot on the main link starts a new history: replicas fed from the old one
    // must sync again.
    if (this.backlog.end > 0 || this.#snapshots.current) {
      this.replid = randomReplid();
      for (const session of this.sessions) {
        if (session.state !== "waiting" && session.state !== "handshake") session.close();
      }
    }
    this.#filter = this.#newFilter();
    this.#points.reset();
    this.backlog.reset(this.backlog.end);
    this.#snapshots.receive({ replid, offset });
  }

  #onRdbChunk(chunk: Uint8Array): void {
    this.#snapshots.incoming!.push(chunk);
  }

  #onRdbEnd(): void {
    const file = this.#snapshots.incoming!;
    this.#snapshots.incoming = undefined;
    this.#snapshotDone(file, file.finish());
  }

  #snapshotDone(file: SnapshotFile, { size, keys, kept }: ReturnType<SnapshotFile["finish"]>) {
    const offset = this.backlog.end;
    this.#points.reset({ proxyOffset: offset, masterOffset: this.#link!.offset, db: 0 });
    this.metrics.upstreamUp.set(1);
    this.log(`snapshot filtered: kept ${kept} of ${keys} keys, ${size} bytes; serving replicas`);
    // The master starts the stream after a full sync with a SELECT: no prefix needed.
    this.#snapshots.publish({ path: file.path, size, offset, prefix: new Uint8Array(0) });
    // A restart right after a snapshot can continue from it instead of taking another one.
    void this.#saveCheckpoint();
  }

  #hookedEvents(link: () => MasterLink): MasterLinkOptions["events"] {
    return hookedEvents(this.#chain, link, this.options.hooks!, this.selector, {
      fullSync: (replid, offset) => this.#onFullSync(replid, offset),
      rdbChunk: (chunk) => this.#onRdbChunk(chunk),
      rdbEnd: async () => {
        const file = this.#snapshots.incoming!;
        const done = await file.complete();
        if (this.#snapshots.incoming !== file) return;
        this.#snapshots.incoming = undefined;
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
    setTimeout(() => this.#snapshots.waiting && this.#snapshots.refresh(), 0);
  }

  #onCommands(commands: HookedStreamCommand[], masterOffset: number): void {
    this.metrics.upstreamUp.set(1);
    const refresh = this.#snapshots.refreshing;
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
    return this.#snapshots.snapshot();
  }

  continuation(replid: string, offset: number): Continuation | undefined {
    if (replid !== this.replid) return undefined;
    return this.#snapshots.continuation(offset);
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
