import { type CommandPlan, type CommandSpec, type KeyPlan, planCommand } from "../commands/mod.ts";
import type { ReplySink } from "../upstream/mod.ts";
import type { HealthProbe } from "../http/mod.ts";
import { Copier, CopyFailed } from "../migrate/mod.ts";
import { encodeCommand, encodeInteger, integerValue, isErrorFrame } from "../resp/mod.ts";
import { distinctKeys } from "../util/key_string.ts";
import { isBlocking, type RouteContext, type Router } from "./router.ts";
import { forward, forwardTo } from "./single_router.ts";
import type { Target } from "./target.ts";
import type { MigrationSource } from "./migration_source.ts";
import { readUnion, UNION_READS } from "./union_reads.ts";
import { ReadThrough } from "./read_through.ts";
import { answerKeyspace, KEYSPACE_COMMANDS } from "./union_keyspace.ts";

/** The migration switches of the config. */
export interface MigrateOptions {
  deleteOnGet: boolean;
  deleteOnSet: boolean;
}

/**
 * Online migration: the destination is the truth for every key it holds, the source is read
 * only for keys the destination lacks, and a key read through the proxy is copied over.
 *
 * | command                                   | what happens                                      |
 * |-------------------------------------------|---------------------------------------------------|
 * | keyless                                   | destination                                       |
 * | whole-value write (SET, MSET, SETEX, ...) | destination; source copy deleted with DeleteOnSet |
 * | single-key read (GET, HGETALL, ...)       | EXISTS + the read pipelined to the destination;   |
 * |                                           | on a miss, DUMP/PTTL/read on the source, RESTORE  |
 * | other keyed commands (INCR, MGET, ...)    | copy missing keys first, then destination         |
 * | DEL, UNLINK                               | both servers, count of keys that existed in either|
 *
 * After a command succeeds, the source copy of a key is deleted when the command may delete
 * the key or give it an expiry on the destination (GETDEL, LPOP, EXPIRE, SETEX, RENAME, ...):
 * otherwise the key would come back from the source once it is gone from the destination.
 */
export class MigrateRouter implements Router {
  readonly copier: Copier;
  #source: MigrationSource;

  /** Computed on each use: a sentinel group learns its members while running. */
  get probes(): HealthProbe[] {
    return [
      ...this.#destination.probes("destinationRedis"),
      ...this.#source.probes("sourceRedis"),
    ];
  }

  /** Both upstreams: metrics and the status page read their groups. */
  get targets(): readonly Target[] {
    return [...this.#source.targets, this.#destination];
  }

  /** The source server, for jobs that walk it (the migration sweeper). */
  get source(): MigrationSource {
    return this.#source;
  }
  #destination: Target;
  #options: MigrateOptions;
  #reads: ReadThrough;

  constructor(source: MigrationSource, destination: Target, options: MigrateOptions) {
    this.#source = source;
    this.#destination = destination;
    this.#options = options;
    this.copier = new Copier(source, destination, destination.metrics, {
      deleteOnGet: options.deleteOnGet,
    });
    this.#reads = new ReadThrough(destination, this.copier);
  }

  route(
    args: Uint8Array[],
    spec: CommandSpec | undefined,
    context: RouteContext,
  ): Promise<Uint8Array> {
    return this.#route(args, spec, planCommand(args, spec), context);
  }

  /**
   * The two commonest cases of {@linkcode route} without a promise per command: a command sent
   * to the destination as it is, and a read whose reply shows the key was there. Everything
   * else takes `route`'s path, its reply piped into `sink`.
   */
  routeTo(
    args: Uint8Array[],
    spec: CommandSpec | undefined,
    context: RouteContext,
    sink: ReplySink,
  ): boolean {
    if (isBlocking(spec)) return false;
    const plan = planCommand(args, spec);
    if (plan.kind === "keyed" && !(spec && UNION_READS.has(spec.name))) {
      const toCopy = keysToCopy(plan);
      if (toCopy.length === 0 && this.#retiredAfter(plan).length === 0) {
        if (forwardTo(this.#destination, args, spec, context, sink)) return true;
      } else if (plan.readonly && toCopy.length === 1) {
        if (this.#reads.readTo(args, plan, toCopy[0], context, sink)) return true;
      }
    } else if (plan.kind === "keyless" && !(spec && SPECIAL_KEYLESS.has(spec.name))) {
      if (forwardTo(this.#destination, args, spec, context, sink)) return true;
    }
    this.#route(args, spec, plan, context).then(
      (frame) => sink.resolve(frame),
      (error) => sink.reject(error),
    );
    return true;
  }

  #route(
    args: Uint8Array[],
    spec: CommandSpec | undefined,
    plan: CommandPlan,
    context: RouteContext,
  ): Promise<Uint8Array> {
    if (plan.kind === "keyless") {
      if (spec && KEYSPACE_COMMANDS.has(spec.name)) {
        const name = spec.name;
        return afterOwnWrites(
          context,
          () => answerKeyspace(this.#source, this.#destination, name, args, context),
        );
      }
      if (spec?.name === "flushdb" || spec?.name === "flushall") {
        const reply = this.#flushBoth(args, spec.name, context);
        context.hold(reply);
        return reply;
      }
      return forward(this.#destination, args, spec, context);
    }
    if (plan.kind === "delete") {
      const reply = this.#deleteEverywhere(args, plan, context);
      context.hold(reply);
      return reply;
    }
    if (spec && UNION_READS.has(spec.name)) {
      const servers = { source: this.#source, destination: this.#destination, copier: this.copier };
      return afterOwnWrites(context, () => readUnion(servers, args, spec, context));
    }
    const toCopy = keysToCopy(plan);
    if (toCopy.length === 0) return this.#write(args, plan, context);
    if (plan.readonly && toCopy.length === 1 && !isBlocking(spec)) {
      return this.#reads.read(args, plan, toCopy[0], context);
    }
    return this.#copyThenRun(args, plan, toCopy, context);
  }

  get primary(): Target {
    return this.#destination;
  }

  /**
   * For commands that run on a connection of their own (inside MULTI, WATCH): copies every key
   * the command names and deletes the source copies it would make obsolete, before it runs.
   * Once copied, a source copy is redundant, so deleting it early never changes what clients
   * see, and nothing is left to do after EXEC.
   */
  prepare(
    args: Uint8Array[],
    spec: CommandSpec | undefined,
    db: number,
  ): Promise<Uint8Array | undefined> | undefined {
    const plan = planCommand(args, spec);
    // Nothing to wait for: the command is sent at once, without holding the client.
    if (plan.kind === "keyless") return undefined;
    return this.#prepareKeys(plan, db);
  }

  async #prepareKeys(plan: CommandPlan, db: number): Promise<Uint8Array | undefined> {
    const retire = uniqueKeys(
      plan.keys.filter((k) =>
        plan.kind === "delete" || k.retiresSource ||
        (this.#options.deleteOnSet && k.action === "overwrite")
      ),
    );
    try {
      await this.#copyMissing(db, uniqueKeys(plan.keys));
      if (retire.length > 0) await this.copier.deleteFromSource(db, retire);
    } catch (error) {
      if (error instanceof CopyFailed) return error.reply;
      throw error;
    }
    return undefined;
  }

  async checkDb(db: number): Promise<Uint8Array | undefined> {
    return await this.#destination.checkDb(db) ?? await this.#source.checkDb(db);
  }

  readonly ordersKeys = true;

  retire(): void {
    this.#source.retire();
    this.#destination.retire();
  }

  close(): void {
    this.#source.close();
    this.#destination.close();
  }

  /** Commands that only overwrite: no copy needed. */
  #write(args: Uint8Array[], plan: CommandPlan, context: RouteContext): Promise<Uint8Array> {
    const late = this.#retiredAfter(plan);
    if (late.length === 0) return forward(this.#destination, args, plan.spec, context);
    const retiring = this.copier.beginRetire(context.db, late);
    const earlier = context.settled();
    const reply = forward(this.#destination, args, plan.spec, context);
    return this.#retireAfterSuccess(reply, late, retiring, context.db, earlier);
  }

  /**
   * Read-modify-writes and multi-key commands: copy what is missing, then run. Source copies
   * of keys the command may delete or expire are deleted before it runs (they are redundant
   * once copied), so no reader can copy them back after it ran.
   */
  #copyThenRun(
    args: Uint8Array[],
    plan: CommandPlan,
    toCopy: Uint8Array[],
    context: RouteContext,
  ): Promise<Uint8Array> {
    const db = context.db;
    const early = uniqueKeys(plan.keys.filter((k) => k.action === "copy" && k.retiresSource));
    const late = this.#retiredAfter(plan);
    // Taken now: once this command is issued, "settled" would include its own reply.
    const earlier = late.length > 0 ? context.settled() : undefined;
    const dispatch = (async () => {
      try {
        await this.#copyMissing(db, toCopy);
        if (early.length > 0) await this.copier.deleteFromSource(db, early);
      } catch (error) {
        if (error instanceof CopyFailed) return { reply: Promise.resolve(error.reply) };
        throw error;
      }
      const retiring = late.length > 0 ? this.copier.beginRetire(db, late) : [];
      // Wrapped so that awaiting `dispatch` waits for the send, not for the reply.
      return { reply: forward(this.#destination, args, plan.spec, context), retiring };
    })();
    context.hold(dispatch);
    return dispatch.then(({ reply, retiring }) =>
      retiring && earlier ? this.#retireAfterSuccess(reply, late, retiring, db, earlier) : reply
    );
  }

  /** Copies the keys the destination lacks. Rejects with CopyFailed when a copy failed. */
  async #copyMissing(db: number, keys: readonly Uint8Array[]): Promise<void> {
    if (keys.length === 0) return;
    const present = await Promise.all(
      this.#destination.callAll(db, keys.map((key) => ["EXISTS", key])),
    );
    const missing = keys.filter((_, i) => integerValue(present[i]) !== 1);
    await Promise.all(missing.map((key) => this.copier.ensure(db, key)));
  }

  /**
   * Keys the command overwrites without reading whose source copy must go once it succeeded
   * (the command may delete or expire them, or DeleteOnSet is on).
   */
  #retiredAfter(plan: CommandPlan): Uint8Array[] {
    const retired = (k: KeyPlan) =>
      k.action === "overwrite" && (k.retiresSource || this.#options.deleteOnSet);
    const keys = plan.keys;
    // Nearly every command names one key.
    if (keys.length === 1) return retired(keys[0]) ? [keys[0].key] : [];
    return uniqueKeys(keys.filter(retired));
  }

  /**
   * Deletes the source copies of `keys` once the command succeeded, and ends the retirement
   * that {@linkcode Copier.beginRetire} began before it was sent. The client's earlier
   * commands (which may still be copying the same keys) finish first.
   */
  async #retireAfterSuccess(
    reply: Promise<Uint8Array>,
    keys: Uint8Array[],
    retiring: string[],
    db: number,
    earlier: Promise<void>,
  ): Promise<Uint8Array> {
    try {
      const frame = await reply;
      if (isErrorFrame(frame)) return frame;
      await earlier;
      try {
        await this.copier.deleteFromSource(db, keys);
      } catch (error) {
        if (error instanceof CopyFailed) return error.reply;
        throw error;
      }
      return frame;
    } finally {
      this.copier.endRetire(retiring);
    }
  }

  /**
   * FLUSHDB/FLUSHALL (only when AllowFlush is on) empty both servers, so that no key comes
   * back from the source; the source goes first, so a copy racing the flush finds nothing.
   */
  async #flushBoth(
    args: Uint8Array[],
    command: string,
    context: RouteContext,
  ): Promise<Uint8Array> {
    await context.settled();
    const frame = encodeCommand(args);
    const onSource = await this.#source.send(context.db, command, frame);
    if (isErrorFrame(onSource)) return onSource;
    return this.#destination.send(context.db, command, frame, context.protocol);
  }

  /** DEL/UNLINK reach both servers; a key counts once if it existed in either. */
  async #deleteEverywhere(
    args: Uint8Array[],
    plan: CommandPlan,
    context: RouteContext,
  ): Promise<Uint8Array> {
    // Earlier commands of this client may still be copying these keys; they come first.
    await context.settled();
    const db = context.db;
    const verb = args[0];
    const keys = uniqueKeys(plan.keys);
    const names = keys.map((key) => this.copier.keyName(db, key));
    const release = await this.copier.locks.lock(names);
    try {
      const commands = keys.map((key) => [verb, key]);
      const [onDestination, onSource] = await Promise.all([
        Promise.all(this.#destination.callAll(db, commands)),
        Promise.all(this.#source.callAll(db, commands)),
      ]);
      for (const name of names) this.copier.changes.record(name);
      const refused = [...onDestination, ...onSource].find(isErrorFrame);
      if (refused) return refused;
      let count = 0;
      let sourceDeleted = 0;
      for (let i = 0; i < keys.length; i++) {
        const fromSource = integerValue(onSource[i]) ?? 0;
        sourceDeleted += fromSource;
        if ((integerValue(onDestination[i]) ?? 0) + fromSource > 0) count++;
      }
      if (sourceDeleted > 0) this.#destination.metrics.sourceDeleted(sourceDeleted);
      return encodeInteger(count);
    } finally {
      release();
    }
  }
}

function uniqueKeys(keys: readonly KeyPlan[]): Uint8Array[] {
  return distinctKeys(keys.map((k) => k.key));
}

/** The keys a command reads before it writes them, each once: they are copied first. */
function keysToCopy(plan: CommandPlan): Uint8Array[] {
  const keys = plan.keys;
  // Nearly every command names one key.
  if (keys.length === 1) return keys[0].action === "copy" ? [keys[0].key] : [];
  return uniqueKeys(keys.filter((k) => k.action === "copy"));
}

/** Keyless commands `route` answers itself: union answers over both servers, and flushes. */
const SPECIAL_KEYLESS: ReadonlySet<string> = new Set([...KEYSPACE_COMMANDS, "flushdb", "flushall"]);

/**
 * Runs a union answer (EXISTS, TYPE, DBSIZE, SCAN, ...), which asks both servers on RESP2
 * connections, as the copier does. A RESP2 client's earlier commands went on those same
 * connections, so the answer comes after them. A RESP3 client's went on RESP3 connections,
 * which nothing orders against these: the answer waits for their replies, and the client's
 * later commands wait for it, so none overtakes it.
 */
function afterOwnWrites(
  context: RouteContext,
  answer: () => Promise<Uint8Array>,
): Promise<Uint8Array> {
  if (context.protocol === 2) return answer();
  // Taken now: once this command is issued, "settled" would include its own reply.
  const reply = context.settled().then(answer);
  context.hold(reply);
  return reply;
}
