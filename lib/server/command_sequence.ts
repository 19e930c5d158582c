/** What a {@linkcode CommandSequence} runs commands for. */
export interface SequenceHost {
  /**
   * Runs one decoded command (its reply is queued in request order); `frame` is the client's
   * bytes for it when the decoder kept them (see RequestDecoder.frames).
   */
  execute(args: Uint8Array[], readAt: number, frame?: Uint8Array): void;
  /** No further command is to run (a graceful shutdown is draining the client). */
  readonly draining: boolean;
  /** The client sent QUIT (or was killed): nothing after it runs. */
  readonly quitting: boolean;
}

/**
 * Runs a client's decoded commands in order, keeping the later ones back while a command
 * holds them: one that must look upstream before it is sent (a migration copy), a blocking
 * command, SELECT. Without a hold, a batch runs synchronously, which is once per client read
 * and so costs no promise in the common case.
 */
export class CommandSequence {
  #host: SequenceHost;
  #hold: Promise<unknown> | undefined;

  constructor(host: SequenceHost) {
    this.#host = host;
  }

  /** Holds the commands after the current one until `dispatched` settles. */
  hold(dispatched: Promise<unknown>): void {
    this.#hold = this.#hold ? Promise.allSettled([this.#hold, dispatched]) : dispatched;
  }

  /**
   * Runs `commands` from `from` on, `frames` being their bytes as the decoder kept them;
   * returns a promise only when a hold made it wait.
   */
  run(
    commands: Uint8Array[][],
    readAt: number,
    frames: readonly (Uint8Array | undefined)[] = [],
    from = 0,
  ): Promise<void> | undefined {
    const host = this.#host;
    for (let i = from; i < commands.length; i++) {
      if (this.#hold) return this.#resumeAfterHold(commands, readAt, frames, i);
      if (host.draining) break;
      host.execute(commands[i], readAt, frames[i]);
      if (host.quitting) break;
    }
    return undefined;
  }

  /** Runs every one of `commands`, each once the command holding it has been dispatched. */
  async runAll(commands: Uint8Array[][], readAt: number): Promise<void> {
    for (const args of commands) {
      while (this.#hold) await this.#waitForHold();
      this.#host.execute(args, readAt);
    }
  }

  /** A held command may hold again (a blocking command sent after a copy): run resumes. */
  async #resumeAfterHold(
    commands: Uint8Array[][],
    readAt: number,
    frames: readonly (Uint8Array | undefined)[],
    from: number,
  ): Promise<void> {
    while (this.#hold) await this.#waitForHold();
    await this.run(commands, readAt, frames, from);
  }

  async #waitForHold(): Promise<void> {
    const hold = this.#hold;
    try {
      await hold;
    } catch {
      // The held command's own reply reports the failure.
    }
    if (this.#hold === hold) this.#hold = undefined;
  }
}
