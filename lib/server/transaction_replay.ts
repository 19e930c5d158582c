import { encodeCommand, encodeError, errorMessage, QUEUED } from "../resp/mod.ts";
import type { Redirection, Router, Target } from "../route/mod.ts";
import type { Request } from "../upstream/mod.ts";

const ASKING_FRAME = encodeCommand(["ASKING"]);
const EXEC_FRAME = encodeCommand(["EXEC"]);
const DISCARD_FRAME = encodeCommand(["DISCARD"]);
/** Nodes a transaction is queued on before its last EXEC is passed on as it is. */
const MAX_NODES = 3;
/** Redis Cluster's answer to a request whose keys are split by a slot migration under way. */
const TRYAGAIN = encodeError("TRYAGAIN Multiple keys request during rehashing of slot");

/**
 * A transaction over a Redis Cluster, as queued so far: its frames from MULTI on, and the
 * redirection a queued command got, if any (its slot moved, or is moving, since the proxy
 * last read the slot map).
 */
export class ClusterTransactionLog {
  readonly frames: Request[];
  redirection: Redirection | undefined;
  /** WATCH was sent: its keys were watched on the node that redirected, so no replay. */
  watched = false;
  /** A command naming keys was queued by the node it was sent to (not redirected). */
  keyedServed = false;
  // The queued commands' replies being looked at; EXEC's decision waits for all of them.
  #followed: Promise<unknown>[] = [];

  constructor(frames: Request[] = []) {
    this.frames = frames;
  }

  /**
   * The reply to a command sent to `from` for this transaction: a MOVED or ASK teaches the
   * router where the slot is now, and in MULTI (without WATCH) it is answered QUEUED, the
   * transaction to be queued again there.
   */
  follow(
    reply: Promise<Uint8Array>,
    router: Router,
    from: Target,
    keyed: boolean,
  ): Promise<Uint8Array> {
    const followed = this.#follow(reply, router, from, keyed);
    // After WATCH nothing is run again, so EXEC has nothing to wait for.
    if (!this.watched) this.#followed.push(followed);
    return followed;
  }

  async #follow(
    reply: Promise<Uint8Array>,
    router: Router,
    from: Target,
    keyed: boolean,
  ): Promise<Uint8Array> {
    const frame = await reply;
    const redirection = router.redirection?.(frame, from);
    if (redirection === undefined) this.keyedServed ||= keyed;
    if (redirection === undefined || this.watched) return frame;
    this.redirection ??= redirection;
    return QUEUED;
  }

  /**
   * EXEC's reply; or, when a queued command was redirected and the node therefore refused EXEC
   * (so nothing ran), the reply of the transaction queued again where it was sent, and run.
   */
  async settle(
    exec: Promise<Uint8Array>,
    router: Router,
    db: number,
    protocol: 2 | 3,
  ): Promise<Uint8Array> {
    const frame = await exec;
    // Their replies came before EXEC's on the connection, but may still be on their way here.
    await Promise.allSettled(this.#followed);
    if (this.redirection === undefined || !isExecAbort(frame)) return frame;
    // While a slot migrates, each key is on one of two nodes: a transaction that queued some
    // keys where they still are and was sent on for others has no node to run on (the
    // importing node would answer its EXEC the same; this spares queueing it there).
    if (this.redirection.asking && this.keyedServed) return TRYAGAIN;
    return await replayTransaction(router, this.redirection, this.frames, db, protocol);
  }
}

/**
 * Queues `frames` (MULTI and the commands after it) on the node `first` names, after ASKING
 * when it is an ASK, and sends EXEC there. When a command is redirected again, the
 * transaction is discarded there and goes on to the next node, up to MAX_NODES nodes. Only
 * called after the node first tried refused EXEC (EXECABORT), so nothing ran anywhere before.
 */
async function replayTransaction(
  router: Router,
  first: Redirection,
  frames: readonly Request[],
  db: number,
  protocol: 2 | 3,
): Promise<Uint8Array> {
  let redirection = first;
  for (let node = 1;; node++) {
    const target = redirection.target;
    const conn = await target.pool.acquire(target.db(db), protocol);
    let again: Redirection | undefined;
    try {
      const sent = redirection.asking ? [conn.send(ASKING_FRAME)] : [];
      for (const frame of frames) sent.push(conn.send(frame));
      for (const reply of await Promise.all(sent)) again ??= router.redirection?.(reply, target);
      if (again === undefined || node === MAX_NODES) return await conn.send(EXEC_FRAME);
      await conn.send(DISCARD_FRAME);
    } finally {
      target.pool.release(conn);
    }
    redirection = again;
  }
}

function isExecAbort(frame: Uint8Array): boolean {
  return frame[0] === 0x2d && (errorMessage(frame) ?? "").startsWith("EXECABORT");
}
