import { dataTypeOf, decodeDump, keyToText } from "../rdb/mod.ts";
import type { ChangeEvent } from "./hook_types.ts";
import type { Hooks } from "./hooks.ts";

/** Events waiting for the sinks before copies wait for them (back-pressure). */
const QUEUE_LIMIT = 10_000;

/**
 * Hooks for the proxy's copy on read. Only `filter` and `onChange` apply: a transform that
 * renamed a key would copy it under a name the client did not ask for, so a module exporting
 * `transform` is refused. A filtered key is not copied and counts as absent on the source;
 * a failing filter lets the key through (policy `pass`). Change events (`set`, source `copy`)
 * go to the sinks in the background, in order; copies wait only when
 * {@link QUEUE_LIMIT} events are waiting.
 */
export class CopyHooks {
  #queue: ChangeEvent[] = [];
  #sending: Promise<void> | undefined;
  #drained: (() => void)[] = [];

  constructor(readonly hooks: Hooks, readonly log: (message: string) => void = () => {}) {
    if (hooks.runner?.exports.includes("transform")) {
      throw new TypeError(
        "the proxy runs filter and onChange hooks only: a transform would change keys clients read",
      );
    }
  }

  /** Whether the key with this DUMP payload is copied. */
  async keep(db: number, key: Uint8Array, dump: Uint8Array, expiresAt?: number): Promise<boolean> {
    const runner = this.hooks.runner;
    if (!runner?.hasEntryHooks) return true;
    const { type, payload, rdbVersion } = decodeDump(dump);
    const [decision] = await runner.entries(
      [{ db, key, type, payload, expiresAt, source: "copy" }],
      rdbVersion,
    );
    return decision !== null;
  }

  /** Announces a copied key. */
  async copied(db: number, key: Uint8Array, dump: Uint8Array): Promise<void> {
    if (!this.hooks.delivery?.active) return;
    const type = dataTypeOf(dump[0]);
    this.#queue.push({ kind: "set", db, key: keyToText(key), type, source: "copy" });
    this.#sending ??= this.#send();
    if (this.#queue.length >= QUEUE_LIMIT) {
      await new Promise<void>((resolve) => this.#drained.push(resolve));
    }
  }

  async #send(): Promise<void> {
    while (this.#queue.length) {
      const batch = this.#queue.splice(0, 500);
      await this.hooks.delivery!.deliver(batch).catch((error) =>
        this.log(`change events: ${(error as Error).message}`)
      );
      if (this.#queue.length < QUEUE_LIMIT) { for (const wake of this.#drained.splice(0)) wake(); }
    }
    this.#sending = undefined;
  }
}
