import { KeySelector } from "../rdb/mod.ts";
import { encodeCommand } from "../resp/mod.ts";
import { concatChunks } from "../util/mod.ts";
import { Backlog } from "./backlog.ts";
import { type Checkpoint, loadCheckpoint, saveCheckpoint } from "./checkpoint.ts";
import { MasterLink } from "./master_link.ts";
import {
  type Continuation,
  ReplicaSession,
  type ReplicationSource,
  type Snapshot,
} from "./replica_session.ts";
import { SnapshotFile } from "./snapshot_file.ts";
import { ReshardMetrics } from "./reshard_metrics.ts";
import type { StreamCommand } from "./stream_decoder.ts";
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
}

/** A fresh snapshot being fetched over a second link, and where it lines up with the stream. */
interface SnapshotRefresh {
  link: MasterLink;
  file?: SnapshotFile;
  /** The master offset the snapshot was taken at (its +FULLRESYNC). */
  masterOffset?: number;
  /** Where the main stream stood at that master offset, and its selected database. */
  streamOffset?: number;
  db?: number;
  /** Set once the file is complete. */
  size?: number;
}

/** A point of the filtered stream, between transactions, and the master position it matches. */
interface ResumePoint {
  proxyOffset: number;
  masterOffset: number;
  db: number;
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
  #points: ResumePoint[] = [];
  #lastSaved = "";
  #checkpointTimer: ReturnType<typeof setInterval> | undefined;
  #closed = false;
  #workDir = "";
  #ownWorkDir = false;
  #upstreamLoop: Promise<void> = Promise.resolve();

  constructor(readonly options: ReshardOptions) {
    this.selector = new KeySelector(options.include, options.exclude);
    this.backlog = new Backlog(options.backlogBytes ?? 64 * 2 ** 20);
    this.#filter = this.#newFilter();
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
      const path = options.checkpointPath;
      this.#checkpointTimer = setInterval(() => this.#saveCheckpoint(path), 100);
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#checkpointTimer);
    this.#listener?.close();
    this.#link?.close();
    for (const session of this.sessions) session.close();
    await this.#upstreamLoop;
    if (this.options.checkpointPath) await this.#saveCheckpoint(this.options.checkpointPath);
    this.#incoming?.abandon();
    this.#refresh?.link.close();
    this.#refresh?.file?.abandon();
    if (this.#ownWorkDir) await Deno.remove(this.#workDir, { recursive: true }).catch(() => {});
  }

  #newFilter(): StreamFilter {
    return new StreamFilter(this.selector, (name, keys) => {
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
    this.#points = [{
      proxyOffset: checkpoint.proxyOffset,
      masterOffset: checkpoint.masterOffset,
      db: checkpoint.db,
    }];
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
      const link = new MasterLink({
        ...master,
        listeningPort: listen.port,
        resume: this.#resume,
        events: {
          fullSync: (replid, offset) => this.#onFullSync(replid, offset),
          rdbChunk: (chunk) => this.#onRdbChunk(chunk),
          rdbEnd: () => this.#onRdbEnd(),
          continued: (replid) => {
            this.metrics.partialSyncs.inc({ direction: "upstream" });
            this.log(`master continued replication ${replid} from offset ${link.offset}`);
            // Replicas that were waiting for a snapshot while the link was down.
            setTimeout(() => this.#snapshotWaiters.length && this.#refreshSnapshot(), 0);
          },
          commands: (commands, offset) => this.#onCommands(commands, offset),
        },
      });
      this.#link = link;
      try {
        const running = link.run();
        await running;
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

  #newSnapshotFile(): SnapshotFile {
    const path = `${this.#workDir}/snapshot-${++this.#snapshotCount}.rdb`;
    return new SnapshotFile(
      path,
      this.selector,
      (kept) => this.metrics.countSnapshotKey(kept),
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
    this.#points = [];
    this.backlog.reset(this.backlog.end);
    this.#incoming?.abandon();
    this.#incoming = this.#newSnapshotFile();
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
    const { size, keys, kept } = file.finish();
    const offset = this.backlog.end;
    this.#points = [{ proxyOffset: offset, masterOffset: this.#link!.offset, db: 0 }];
    this.metrics.upstreamUp.set(1);
    this.log(`snapshot filtered: kept ${kept} of ${keys} keys, ${size} bytes; serving replicas`);
    // The master starts the stream after a full sync with a SELECT: no prefix needed.
    this.#publish({ path: file.path, size, offset, prefix: new Uint8Array(0) });
  }

  #publish(snapshot: Snapshot): void {
    const old = this.#snapshot;
    this.#snapshot = snapshot;
    if (old && old.path !== snapshot.path) Deno.remove(old.path).catch(() => {});
    const waiters = this.#snapshotWaiters;
    this.#snapshotWaiters = [];
    for (const wake of waiters) wake(snapshot);
  }

  /**
   * Fetches a fresh snapshot over a second link while the main stream goes on, and lines it up
   * with the stream: the main link pauses until the master announces the snapshot's offset,
   * then the stream position where the main link reaches that offset is the snapshot's place.
   */
  #refreshSnapshot(): void {
    const main = this.#link;
    if (this.#refresh || !main?.streaming) return;
    this.log("a replica needs a full sync the kept snapshot cannot serve: fetching a fresh one");
    main.pause();
    const refresh: SnapshotRefresh = {
      link: new MasterLink({
        ...this.options.master,
        listeningPort: this.options.listen.port,
        events: {
          fullSync: (replid, offset) => {
            if (replid !== main.replid || offset < main.offset) {
              this.log(`fresh snapshot ${replid}:${offset} cannot be lined up with the stream`);
              refresh.link.close();
              return;
            }
            refresh.masterOffset = offset;
            refresh.file = this.#newSnapshotFile();
            this.metrics.fullSyncs.inc({ direction: "upstream" });
            if (offset === main.offset) this.#alignRefresh(refresh);
            main.resume();
          },
          rdbChunk: (chunk) => refresh.file!.push(chunk),
          rdbEnd: () => {
            const { size } = refresh.file!.finish();
            refresh.size = size;
            refresh.link.close();
            this.#completeRefresh(refresh);
          },
          continued: () => refresh.link.close(),
          commands: () => {},
        },
      }),
    };
    this.#refresh = refresh;
    refresh.link.run().catch((error) => {
      this.log(`fresh snapshot link failed: ${(error as Error).message}`);
    }).finally(() => {
      main.resume();
      if (this.#refresh !== refresh) return;
      if (refresh.size === undefined || refresh.streamOffset === undefined) {
        refresh.file?.abandon();
        this.#refresh = undefined;
        // Waiting replicas keep waiting; try again shortly.
        if (this.#snapshotWaiters.length && !this.#closed) {
          setTimeout(() => this.#refreshSnapshot(), 500);
        }
      }
    });
  }

  /** The main stream is exactly at the fresh snapshot's offset: remember where and in which db. */
  #alignRefresh(refresh: SnapshotRefresh): void {
    refresh.streamOffset = this.backlog.end;
    refresh.db = this.#filter.db;
    this.#completeRefresh(refresh);
  }

  #completeRefresh(refresh: SnapshotRefresh): void {
    if (refresh.size === undefined || refresh.streamOffset === undefined) return;
    this.#refresh = undefined;
    const prefix = refresh.db
      ? encodeCommand(["SELECT", String(refresh.db)]).slice()
      : new Uint8Array(0);
    this.log(`fresh snapshot ready at stream offset ${refresh.streamOffset}`);
    this.#publish({
      path: refresh.file!.path,
      size: refresh.size,
      offset: refresh.streamOffset - prefix.length,
      prefix,
    });
  }

  #onCommands(commands: StreamCommand[], masterOffset: number): void {
    this.metrics.upstreamUp.set(1);
    const refresh = this.#refresh;
    let output: Uint8Array[] = [];
    let running = masterOffset - commands.reduce((n, c) => n + c.bytes, 0);
    for (const command of commands) {
      const result = this.#filter.filter(command.args, command.raw);
      this.metrics.countCommand(result.outcome);
      if (result.output) output.push(result.output);
      running += command.bytes;
      if (refresh?.masterOffset === running && refresh.streamOffset === undefined) {
        this.#appendOutput(output);
        output = [];
        this.#alignRefresh(refresh);
      }
    }
    this.#appendOutput(output);
    if (!this.#filter.inTransaction) {
      this.#points.push({ proxyOffset: this.backlog.end, masterOffset, db: this.#filter.db });
      if (this.#points.length > 4096) this.#points.splice(0, 2048);
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
    const lines = ["# Replication", "role:master", `connected_slaves:${this.sessions.size}`];
    [...this.sessions].forEach((s, i) =>
      lines.push(
        `slave${i}:name=${s.name},state=${s.state},offset=${s.acked},lag_bytes=${
          this.backlog.end - s.acked
        }`,
      )
    );
    lines.push(`master_replid:${this.replid}`, `master_repl_offset:${this.backlog.end}`);
    const master = this.master;
    lines.push(
      `upstream_link_status:${master.streaming ? "up" : "down"}`,
      `upstream_offset:${master.offset}`,
    );
    return lines.join("\r\n") + "\r\n";
  }

  /** Updates lag gauges; exposed so /metrics renders current values. */
  refreshGauges(): void {
    this.metrics.replicaLag.reset();
    this.metrics.replicas.reset();
    for (const session of this.sessions) {
      this.metrics.replicaLag.set({ replica: session.name }, this.backlog.end - session.acked);
      this.metrics.replicas.inc({ state: session.state });
    }
  }

  /**
   * The newest resume point every streaming replica has been sent, between transactions;
   * written only when it changed.
   */
  async #saveCheckpoint(path: string): Promise<void> {
    const link = this.#link;
    if (!this.#snapshot && this.#points.length === 0) return;
    let limit = this.backlog.end;
    for (const session of this.sessions) {
      if (session.state === "streaming") limit = Math.min(limit, session.sent);
    }
    let point: ResumePoint | undefined;
    for (let i = this.#points.length - 1; i >= 0; i--) {
      if (this.#points[i].proxyOffset <= limit) {
        point = this.#points[i];
        break;
      }
    }
    const masterReplid = link?.replid || this.#resume?.replid;
    if (!point || !masterReplid) return;
    const checkpoint: Checkpoint = {
      masterReplid,
      masterOffset: point.masterOffset,
      proxyReplid: this.replid,
      proxyOffset: point.proxyOffset,
      db: point.db,
      filter: this.selector.describe(),
    };
    const text = JSON.stringify(checkpoint);
    if (text === this.#lastSaved) return;
    this.#lastSaved = text;
    await saveCheckpoint(path, checkpoint).catch((error) =>
      this.log(`cannot write checkpoint ${path}: ${(error as Error).message}`)
    );
  }
}
