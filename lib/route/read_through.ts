import { type CommandPlan, type PresenceTest, presenceTest } from "../commands/mod.ts";
import type { Copier } from "../migrate/mod.ts";
import { encodeCommand, integerValue } from "../resp/mod.ts";
import type { ReplySink } from "../upstream/mod.ts";
import { metricName, type RouteContext } from "./router.ts";
import type { Target } from "./target.ts";

/** A read sent to the destination, with what finishing it after a miss needs. */
interface DestinationRead {
  db: number;
  key: Uint8Array;
  frame: Uint8Array;
  command: string;
  protocol: 2 | 3;
  /** The source change log's sequence number when the read was sent. */
  sentAt: number;
}

/**
 * Single-key reads in migration mode, the hot path: the destination answers when it has the
 * key; otherwise the source's answer is read in the pipeline that copies the key over.
 */
export class ReadThrough {
  #destination: Target;
  #copier: Copier;

  constructor(destination: Target, copier: Copier) {
    this.#destination = destination;
    this.#copier = copier;
  }

  /**
   * When the reply itself proves whether the key exists (GET, TYPE, HGETALL, ... see
   * presenceTest) the read goes alone; otherwise EXISTS and the read go out together. Either
   * way a key already on the destination costs one round trip and never delays the client's
   * next command.
   */
  async read(
    args: Uint8Array[],
    plan: CommandPlan,
    key: Uint8Array,
    context: RouteContext,
  ): Promise<Uint8Array> {
    const read = this.#destinationRead(args, plan, key, context);
    const { db, command, frame, protocol } = read;
    const present = presenceTest(command);
    if (present) {
      const destinationReply = await this.#destination.send(db, command, frame, protocol);
      if (present(destinationReply)) return destinationReply;
      return this.missed(read, destinationReply);
    }
    const [exists, reply] = await Promise.all([
      this.#destination.call(db, ["EXISTS", key], protocol),
      this.#destination.send(db, command, frame, protocol),
    ]);
    if (integerValue(exists) !== 0) return reply;
    return this.missed(read, reply);
  }

  /**
   * {@linkcode read} with the reply delivered to `sink`, without a promise when the key is on
   * the destination. False, having done nothing, for a read whose reply does not prove
   * presence (it needs `read`, which asks EXISTS too).
   */
  readTo(
    args: Uint8Array[],
    plan: CommandPlan,
    key: Uint8Array,
    context: RouteContext,
    sink: ReplySink,
  ): boolean {
    const present = presenceTest(metricName(plan.spec));
    if (present === undefined) return false;
    const read = this.#destinationRead(args, plan, key, context);
    const checked = new CheckedRead(this, read, present, sink);
    this.#destination.sendTo(read.db, read.command, read.frame, read.protocol, false, checked);
    return true;
  }

  #destinationRead(
    args: Uint8Array[],
    plan: CommandPlan,
    key: Uint8Array,
    context: RouteContext,
  ): DestinationRead {
    return {
      db: context.db,
      key,
      // The client's own bytes when routeTo runs on them (see RouteContext.requestFrame).
      frame: context.requestFrame?.(args) ?? encodeCommand(args),
      command: metricName(plan.spec),
      protocol: context.protocol,
      sentAt: this.#copier.changes.now(),
    };
  }

  /**
   * The destination lacked the key when the read ran. The answer is the source's, read in the
   * same pipeline as the DUMP that copies it.
   */
  async missed(read: DestinationRead, destinationReply: Uint8Array): Promise<Uint8Array> {
    const { db, key, frame, command, protocol, sentAt } = read;
    const copier = this.#copier;
    const copied = await copier.copyForRead(db, key, { frame, command, protocol });
    // A command that retires the source copy ran meanwhile; unless this read reached the
    // destination before it, the source's answer is out of date.
    const stale = copied.retiredAt !== undefined && sentAt >= copied.retiredAt;
    if (copied.reply !== undefined && !stale) return copied.reply;
    // The source lacks it too. If the proxy deleted the source copy after the read was sent,
    // another request copied the key meanwhile: read it again where it now lives.
    if (stale || copier.changes.changedSince(copier.keyName(db, key), sentAt)) {
      return this.#destination.send(db, command, frame, protocol);
    }
    return destinationReply;
  }
}

/**
 * A read sent with {@linkcode ReadThrough.readTo}: the destination's reply goes to the client
 * when it shows the key was there, and starts the copy otherwise.
 */
class CheckedRead implements ReplySink {
  constructor(
    readonly reads: ReadThrough,
    readonly read: DestinationRead,
    readonly present: PresenceTest,
    readonly sink: ReplySink,
  ) {}

  resolve(reply: Uint8Array): void {
    const sink = this.sink;
    if (this.present(reply)) {
      sink.resolve(reply);
      return;
    }
    this.reads.missed(this.read, reply).then(
      (frame) => sink.resolve(frame),
      (error) => sink.reject(error),
    );
  }

  reject(error: Error): void {
    this.sink.reject(error);
  }
}
