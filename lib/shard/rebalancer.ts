import type { Log } from "../log/mod.ts";
import { type KeyMove, Sweeper } from "../migrate/mod.ts";
import { integerValue } from "../resp/mod.ts";
import type { MigrateRouter } from "../route/mod.ts";
import { keyspaceDatabases } from "./keyspace_databases.ts";
import { nodeFor } from "./placement.ts";
import type { RebalancingRouter } from "./rebalancing_router.ts";

/** Options of {@linkcode Rebalancer}. */
export interface RebalancerOptions {
  /** Keys per second at most, over all nodes (`RebalanceRate`). */
  rate: number;
  log?: Log;
  /** Wait after a failed SCAN, and between passes that left keys behind (1000 ms). */
  retryMs?: number;
}

/** What the rebalancer has done, summed over its passes: for metrics and GET /admin/migration. */
export interface RebalanceProgress {
  scanned: number;
  moved: number;
  errors: number;
  /** Keys still to scan in the pass under way, estimated from the nodes' DBSIZE. */
  remaining: number | undefined;
  /** Walks over every old node; another follows a walk that could not move some key. */
  passes: number;
  done: boolean;
}

/**
 * Moves every key whose owner changed after a ring's node list changed: walks each database
 * that holds keys on each node of the old ring with SCAN and moves each key whose new owner is
 * another node through that pair's migration router (copy, then compare-and-delete of the old
 * copy), at most `rate` keys per second over all nodes.
 *
 * It is done only after a pass over every old node in which every key it found out of place was
 * moved: a node that cannot be reached has its SCAN retried until it answers, and a key that
 * could not be moved makes another pass. Clients never put a key on a node that no longer owns
 * it (their writes go to the new owner), so a clean pass leaves none behind. Keys written with
 * `hash=` on a node that stays are left where they are (see {@linkcode Rebalancer.#moveFrom}).
 */
export class Rebalancer {
  /** Totals of the passes that ended. */
  #ended = { scanned: 0, moved: 0, errors: 0, passes: 0, done: false };
  #sweepers: Sweeper[] = [];
  #stopped = false;
  #running: Promise<boolean> | undefined;
  #wakes = new Set<() => void>();

  constructor(readonly router: RebalancingRouter, readonly options: RebalancerOptions) {}

  /** Resolves with true once no key is left on a node that does not own it, false if stopped. */
  run(): Promise<boolean> {
    return this.#running ??= this.#rebalance();
  }

  /** Stops after the batches under way. */
  async stop(): Promise<void> {
    this.#stopped = true;
    for (const wake of [...this.#wakes]) wake();
    await Promise.all(this.#sweepers.map((sweeper) => sweeper.stop()));
    await this.#running;
  }

  /** Progress so far, the pass under way included. */
  get progress(): RebalanceProgress {
    const progress = { ...this.#ended, remaining: this.#remaining() };
    if (this.#ended.done) return progress;
    for (const sweeper of this.#sweepers) {
      progress.scanned += sweeper.progress.scanned;
      progress.moved += sweeper.progress.moved;
      progress.errors += sweeper.progress.errors;
    }
    return progress;
  }

  #remaining(): number | undefined {
    if (this.#ended.done) return 0;
    const left = this.#sweepers.map((sweeper) => sweeper.remaining);
    return left.some((n) => n === undefined) ? undefined : left.reduce((a, b) => a! + b!, 0);
  }

  async #rebalance(): Promise<boolean> {
    const { router, options } = this;
    const ended = this.#ended;
    const nodes = router.old.nodes.map((_, o) => o);
    while (!this.#stopped) {
      const walks = (await Promise.all(nodes.map(async (o) => {
        const dbs = await this.#databases(o);
        return dbs.map((db) => ({ o, db }));
      }))).flat();
      if (this.#stopped) break;
      const rate = Math.max(1, Math.floor(options.rate / Math.max(1, walks.length)));
      this.#sweepers = walks.map(({ o, db }) =>
        new Sweeper(router.oldServer(o).target, this.#moveFrom(o, db), {
          rate,
          db,
          log: options.log,
          retryMs: options.retryMs,
          name: `ring rebalancer (${router.oldServer(o).addrText} db ${db})`,
        })
      );
      for (const sweeper of this.#sweepers) sweeper.start();
      await Promise.all(this.#sweepers.map((sweeper) => sweeper.finished));
      const swept = this.#sweepers.map((sweeper) => sweeper.progress);
      ended.passes++;
      for (const pass of swept) {
        ended.scanned += pass.scanned;
        ended.moved += pass.moved;
        ended.errors += pass.errors;
      }
      this.#sweepers = [];
      if (swept.every((pass) => pass.done && pass.errors === 0)) {
        ended.done = true;
        return true;
      }
      if (!this.#stopped) {
        options.log?.warn("ring rebalance: keys could not be moved, walking the nodes again", {
          errors: swept.reduce((n, pass) => n + pass.errors, 0),
        });
        await this.#pause(options.retryMs ?? 1000);
      }
    }
    return false;
  }

  /**
   * Moves the keys of old node `o` that another node owns now. A node that stays keeps the keys
   * its name does not place on it: they were written with `hash=`, which chose the node, and
   * reads that name the same `hash=` still find them there (or copy them, if that key's owner
   * changed). A node that leaves gives every key to the owner of its name.
   */
  #moveFrom(o: number, db: number): KeyMove {
    const { router } = this;
    const from = router.oldServer(o);
    const leaving = !router.next.nodes.some((node) => node.addrText === from.addrText);
    return (key) => {
      const n = nodeFor(router.next, key);
      if (router.nextServer(n) === from) return undefined;
      if (!leaving && nodeFor(router.old, key) !== o) return undefined;
      return router.gate.move(() => moveKey(router.pair(o, n)!, db, key));
    };
  }

  /**
   * The databases of old node `o` that hold keys (from INFO keyspace), asked until the node
   * answers: a node that cannot be reached is not taken as empty.
   */
  async #databases(o: number): Promise<number[]> {
    const server = this.router.oldServer(o);
    while (!this.#stopped) {
      try {
        return await keyspaceDatabases(server.target);
      } catch (error) {
        this.options.log?.warn("ring rebalance: INFO keyspace failed, retrying", {
          node: server.addrText,
          error: (error as Error).message,
        });
        await this.#pause(this.options.retryMs ?? 1000);
      }
    }
    return [];
  }

  /** Sleeps, or less when the rebalancer is stopped meanwhile. */
  #pause(ms: number): Promise<void> {
    if (this.#stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      const wakes = this.#wakes;
      function done() {
        clearTimeout(timer);
        wakes.delete(done);
        resolve();
      }
      wakes.add(done);
    });
  }
}

/**
 * Copies the key to its new owner and removes the old copy. The copier deletes the old copy
 * only when it restored it; when the new owner already had the key (a client's write got
 * there first, and it is the truth) the old copy is deleted here, or it could come back once
 * the key expires or is deleted on the new owner.
 */
async function moveKey(pair: MigrateRouter, db: number, key: Uint8Array): Promise<void> {
  await pair.copier.ensure(db, key);
  const { source, primary: destination } = pair;
  const [onSource, onDestination] = await Promise.all([
    source.call(db, ["EXISTS", key]),
    destination.call(db, ["EXISTS", key]),
  ]);
  if (integerValue(onSource) !== 1) return;
  if (integerValue(onDestination) !== 1) {
    throw new Error("Cannot move key: it is on its old owner and not on its new one");
  }
  await pair.copier.deleteFromSource(db, [key]);
}
