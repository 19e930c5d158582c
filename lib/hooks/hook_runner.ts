import { keyToText } from "../rdb/mod.ts";
import type { ChangeEvent, HookOptions, HookPolicy } from "./hook_types.ts";
import {
  type FromWorker,
  type Packed,
  packEntries,
  type ToWorker,
  unpackEntries,
  unpackResults,
  type WireEntry,
} from "./wire.ts";
import { HookFailedError, HookLoadError } from "./hook_errors.ts";

/** Calls by outcome, as `remiro_hook_calls_total{hook,result}` exports them. */
export interface HookCounts {
  ok: number;
  dropped: number;
  error: number;
  timeout: number;
}

/** What the hooks decided for an entry: the (maybe changed) entry, or null to drop it. */
export type HookDecision = WireEntry | null;

const RETRIES = 3;

/** A decision of {@link HookRunner.decide}: the entry passes as it was. */
export const UNCHANGED = 0;

/** Entries for the hooks, as objects or packed as they were read. */
export type Batch = readonly WireEntry[] | Packed;

const listOf = (batch: Batch): readonly WireEntry[] =>
  "sources" in batch ? unpackEntries(batch) : batch;

/** A batch posted to the worker, and the worker it went to. */
interface Posted {
  id: number;
  generation: number;
  reply: Promise<FromWorker>;
}

class HookTimeout extends Error {}

/**
 * The host side of a hooks module: one worker with the granted permissions (nothing else), fed
 * batches of entries and events one message at a time. A call that does not answer within the
 * timeout (a hook that loops) terminates the worker and starts a new one; the batch is then
 * replayed entry by entry so that only the culprit is handled by the policy.
 */
export class HookRunner {
  readonly counts: { entries: HookCounts; events: HookCounts } = {
    entries: { ok: 0, dropped: 0, error: 0, timeout: 0 },
    events: { ok: 0, dropped: 0, error: 0, timeout: 0 },
  };
  #worker!: Worker;
  #exports: string[] = [];
  #nextId = 0;
  #pending = new Map<number, (message: FromWorker) => void>();
  /** One call at a time: the timeout measures the hook, not the queue. */
  #chain: Promise<unknown> = Promise.resolve();
  /** Entry batches posted ahead of their turn, oldest first (see {@link entries}). */
  #ahead: Posted[] = [];
  /** Calls queued that were not posted ahead: nothing may be posted before them. */
  #late = 0;
  /** Counts worker restarts: a batch posted to an earlier worker is posted again. */
  #generation = 0;
  #ready = false;
  readonly policy: HookPolicy;
  readonly timeoutMs: number;
  readonly log: (message: string) => void;

  private constructor(readonly options: HookOptions) {
    this.policy = options.onError ?? "skip";
    this.timeoutMs = options.timeoutMs ?? 1000;
    this.log = options.log ?? (() => {});
  }

  static async start(options: HookOptions): Promise<HookRunner> {
    const runner = new HookRunner(options);
    await runner.#spawn();
    return runner;
  }

  /** What the module exports of filter, transform and onChange. */
  get exports(): readonly string[] {
    return this.#exports;
  }

  get hasEntryHooks(): boolean {
    return this.#exports.includes("filter") || this.#exports.includes("transform");
  }

  get hasOnChange(): boolean {
    return this.#exports.includes("onChange");
  }

  /** The module's URL: a path is resolved against the working directory. */
  get moduleUrl(): URL {
    const { module } = this.options;
    return /^[a-z]+:/i.test(module) ? new URL(module) : new URL(module, `file://${Deno.cwd()}/`);
  }

  async #spawn(): Promise<void> {
    this.#ready = false;
    const url = this.moduleUrl;
    const read = url.protocol === "file:" ? [url.pathname] : [];
    const permissions = {
      read: [...read, ...(this.options.allowRead ?? [])],
      net: this.options.allowNet?.length ? this.options.allowNet : false,
      env: this.options.allowEnv ?? false,
      import: url.protocol === "file:" ? false : [url.host],
      write: false,
      run: false,
      ffi: false,
      sys: false,
    };
    try {
      this.#worker = new Worker(new URL("./hook_worker.ts", import.meta.url), {
        type: "module",
        deno: { permissions },
      } as WorkerOptions);
    } catch (error) {
      throw new HookLoadError(
        `Cannot start hooks: ${(error as Error).message} (run Deno with --unstable-worker-options)`,
      );
    }
    this.#worker.onmessage = ({ data }: MessageEvent<FromWorker>) => {
      const id = "id" in data ? data.id : -1;
      const resolve = this.#pending.get(id);
      this.#pending.delete(id);
      resolve?.(data);
    };
    this.#worker.onerror = (event) => {
      event.preventDefault();
      this.log(`hooks worker: ${event.message}`);
    };
    const ready = await this.#call({ op: "init", module: url.href }, -1, 30_000).catch(() => ({
      op: "failed" as const,
      error: "the module did not load within 30 s",
    }));
    if (ready.op === "failed") {
      this.#worker.terminate();
      throw new HookLoadError(`Cannot load hooks ${this.options.module}: ${ready.error}`);
    }
    if (ready.op === "ready") this.#exports = ready.exports;
    this.#ready = true;
  }

  /** Posts a batch without a timer: the timer starts at the batch's turn (`#wait`). */
  #post(batch: Batch, rdbVersion: number, ahead: boolean): Posted {
    const id = this.#nextId++;
    const packed = "sources" in batch ? batch : packEntries(batch);
    const message = { op: "entries" as const, id, rdbVersion, ...packed };
    const posted: Posted = {
      id,
      generation: this.#generation,
      reply: new Promise((resolve) => this.#pending.set(id, resolve)),
    };
    // A packed batch is copied: the host reads its entries from it once the answer is in.
    const { bytes, numbers, sources } = message;
    const buffers = [bytes.buffer, numbers.buffer, sources.buffer] as ArrayBuffer[];
    this.#worker.postMessage(message, packed === batch ? [] : buffers);
    if (ahead) {
      this.#ahead.push(posted);
      posted.reply.then(() => {
        const at = this.#ahead.indexOf(posted);
        if (at >= 0) this.#ahead.splice(at, 1);
      });
    }
    return posted;
  }

  #wait({ id, reply }: Posted): Promise<FromWorker> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new HookTimeout());
      }, this.timeoutMs);
    });
    return Promise.race([reply, timeout]).finally(() => clearTimeout(timer));
  }

  /**
   * Waits for the batches posted ahead (the worker answers in order), so that the timer of a
   * call posted now measures that call alone; one that hangs replaces the worker.
   */
  async #drain(): Promise<void> {
    while (this.#ahead.length) {
      const reply = await this.#wait(this.#ahead[0]).catch((error) => {
        if (!(error instanceof HookTimeout)) throw error;
      });
      if (!reply) await this.#restart();
    }
  }

  #call(message: ToWorker, id: number, timeoutMs: number): Promise<FromWorker> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new HookTimeout());
      }, timeoutMs);
      this.#pending.set(id, (reply) => {
        clearTimeout(timer);
        resolve(reply);
      });
      this.#worker.postMessage(message);
    });
  }

  /** A hung worker cannot be interrupted: it is replaced. */
  async #restart(): Promise<void> {
    this.#worker.terminate();
    this.#generation++;
    this.#ahead = [];
    for (const resolve of this.#pending.values()) resolve({ op: "failed", error: "terminated" });
    this.#pending.clear();
    await this.#spawn();
  }

  #serial<T>(work: () => Promise<T>, late = true): Promise<T> {
    if (late) this.#late++;
    const result = this.#chain.then(work).finally(() => {
      if (late) this.#late--;
    });
    this.#chain = result.catch(() => {});
    return result;
  }

  /**
   * Runs filter and transform over a batch; the decisions come back in order. The batch is
   * posted at once when only batches are queued before it, so the worker goes from one to the
   * next without waiting for the host to take each answer.
   */
  async entries(entries: readonly WireEntry[], rdbVersion: number): Promise<HookDecision[]> {
    const decisions = await this.decide(entries, rdbVersion);
    return decisions.map((decision, i) => (decision === UNCHANGED ? entries[i] : decision));
  }

  /**
   * Like {@link entries}, with {@link UNCHANGED} for the entries the hooks left as they were:
   * a packed batch is then never taken apart on this side unless a hook changed something.
   */
  decide(batch: Batch, rdbVersion: number): Promise<(HookDecision | typeof UNCHANGED)[]> {
    const size = "sources" in batch ? batch.sources.length : batch.length;
    if (!this.hasEntryHooks || size === 0) return Promise.resolve(new Array(size).fill(UNCHANGED));
    const early = this.#late === 0 && this.#ready ? this.#post(batch, rdbVersion, true) : undefined;
    return this.#serial(() => this.#decide(batch, rdbVersion, early), !early);
  }

  async #decide(
    batch: Batch,
    rdbVersion: number,
    early?: Posted,
  ): Promise<(HookDecision | typeof UNCHANGED)[]> {
    const send = async (batch: Batch) => {
      await this.#drain();
      return this.#wait(this.#post(batch, rdbVersion, false));
    };
    let entries: readonly WireEntry[] | undefined;
    const entry = (i: number) => (entries ??= listOf(batch))[i];
    try {
      const reply = early?.generation === this.#generation
        ? await this.#wait(early)
        : await send(batch);
      if (reply.op !== "results") throw new HookTimeout();
      const decisions: (HookDecision | typeof UNCHANGED)[] = [];
      for (const [i, result] of unpackResults(reply).entries()) {
        if (result === 0) {
          this.counts.entries.ok++;
          decisions.push(UNCHANGED);
        } else if (result === null) decisions.push(this.#dropped());
        else if ("error" in result) {
          decisions.push(await this.#failed(entry(i), result.error, "error", send));
        } else {
          this.counts.entries.ok++;
          decisions.push(result);
        }
      }
      return decisions;
    } catch (error) {
      if (!(error instanceof HookTimeout)) throw error;
      await this.#restart();
      entries = listOf(batch);
      if (entries.length === 1) {
        return [await this.#failed(entries[0], "timed out", "timeout", send)];
      }
      const decisions: (HookDecision | typeof UNCHANGED)[] = [];
      for (const one of entries) decisions.push(...await this.#decide([one], rdbVersion));
      return decisions;
    }
  }

  #ok(entry: WireEntry): WireEntry {
    this.counts.entries.ok++;
    return entry;
  }

  #dropped(): null {
    this.counts.entries.dropped++;
    return null;
  }

  /** Applies the policy to an entry whose hook failed. */
  async #failed(
    entry: WireEntry,
    error: string,
    result: "error" | "timeout",
    send: (batch: readonly WireEntry[]) => Promise<FromWorker>,
  ): Promise<HookDecision> {
    this.counts.entries[result]++;
    const what = `hook on ${keyToText(entry.key)} (db ${entry.db}): ${error}`;
    if (this.policy === "retry") {
      for (let attempt = 1; attempt <= RETRIES; attempt++) {
        this.log(`${what}; retrying (${attempt} of ${RETRIES})`);
        await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
        const reply = await send([entry]).catch(async () => {
          await this.#restart();
          return undefined;
        });
        if (reply?.op !== "results") continue;
        const [again] = unpackResults(reply);
        if (again === 0) return this.#ok(entry);
        if (again === null) return this.#dropped();
        if (!("error" in again)) return again;
      }
      throw new HookFailedError(`${what}; gave up after ${RETRIES} retries`);
    }
    if (this.policy === "stop") throw new HookFailedError(what);
    if (this.policy === "pass") {
      this.log(`${what}; entry passed unchanged`);
      return entry;
    }
    this.log(`${what}; entry skipped`);
    return null;
  }

  /** Calls onChange for each event in order; failures follow the policy. */
  events(events: readonly ChangeEvent[]): Promise<void> {
    if (!this.hasOnChange || events.length === 0) return Promise.resolve();
    return this.#serial(() => this.#events(events));
  }

  async #events(events: readonly ChangeEvent[]): Promise<void> {
    const id = this.#nextId++;
    let errors: (string | null)[];
    try {
      await this.#drain();
      const reply = await this.#call({ op: "events", id, events: [...events] }, id, this.timeoutMs);
      if (reply.op !== "delivered") throw new HookTimeout();
      errors = reply.errors;
    } catch (error) {
      if (!(error instanceof HookTimeout)) throw error;
      await this.#restart();
      if (events.length > 1) {
        for (const event of events) await this.#events([event]);
        return;
      }
      errors = ["timed out"];
    }
    for (const [i, error] of errors.entries()) {
      if (error === null) {
        this.counts.events.ok++;
        continue;
      }
      const timeout = error === "timed out";
      this.counts.events[timeout ? "timeout" : "error"]++;
      const what = `onChange for ${events[i].key} (db ${events[i].db}): ${error}`;
      if (this.policy === "stop") throw new HookFailedError(what);
      if (this.policy === "retry") {
        let delivered = false;
        for (let attempt = 1; attempt <= RETRIES && !delivered; attempt++) {
          this.log(`${what}; retrying (${attempt} of ${RETRIES})`);
          await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
          const before = this.counts.events.ok;
          await this.#events([events[i]]).catch(() => {});
          delivered = this.counts.events.ok > before;
        }
        if (!delivered) throw new HookFailedError(`${what}; gave up after ${RETRIES} retries`);
        continue;
      }
      this.log(`${what}; event skipped`);
    }
  }

  close(): void {
    this.#worker?.terminate();
    for (const resolve of this.#pending.values()) resolve({ op: "failed", error: "closed" });
    this.#pending.clear();
  }
}
