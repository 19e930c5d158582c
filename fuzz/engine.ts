import { Prng } from "./mutate.ts";

/**
 * One thing to fuzz. `generate` must depend only on the generator it is given, and `check` only
 * on the input's bytes (it seeds any choices of its own, such as chunk boundaries, from them),
 * so that a saved input replays exactly.
 */
export interface FuzzTarget {
  name: string;
  generate(rng: Prng): Uint8Array;
  /**
   * Runs the code under test on `input`; returns normally when every invariant held and throws
   * {@link InvariantError} (or whatever unexpected error escaped) otherwise.
   */
  check(input: Uint8Array): void | Promise<void>;
}

/** An invariant of the code under test did not hold. */
export class InvariantError extends Error {
  override name = "InvariantError";
}

export interface Failure {
  target: string;
  seed: number;
  index: number;
  kind: "crash" | "hang";
  message: string;
  input: Uint8Array;
}

export interface RunOptions {
  seed: number;
  /** Runs cases [first, cases); first defaults to 0. */
  cases: number;
  first?: number;
  /** A case slower than this is a hang (it is still let finish). Default 2000 ms. */
  hangMs?: number;
  onFailure?: (failure: Failure) => void;
  /** Slot 0 receives the index of the case being run, for a watchdog in another thread. */
  progress?: Int32Array;
}

export interface RunStats {
  cases: number;
  crashes: number;
  hangs: number;
  ms: number;
}

/** What a thrown value says, with the first stack frames of an unexpected error. */
export function describe(error: unknown): string {
  if (error instanceof InvariantError) return error.message;
  if (error instanceof Error) {
    const frames = (error.stack ?? "").split("\n").slice(1, 6).join("\n");
    return `${error.name}: ${error.message}\n${frames}`;
  }
  return String(error);
}

/** The input of case `index` of a run with `seed`. */
export function caseInput(target: FuzzTarget, seed: number, index: number): Uint8Array {
  return target.generate(Prng.forCase(seed, index));
}

/** Runs the cases of `target` and reports every crash and hang to `onFailure`. */
export async function runCases(target: FuzzTarget, options: RunOptions): Promise<RunStats> {
  const hangMs = options.hangMs ?? 2000;
  const stats: RunStats = { cases: 0, crashes: 0, hangs: 0, ms: 0 };
  const started = performance.now();
  for (let index = options.first ?? 0; index < options.cases; index++) {
    if (options.progress) Atomics.store(options.progress, 0, index);
    const input = caseInput(target, options.seed, index);
    const t0 = performance.now();
    let failure: Omit<Failure, "input" | "target" | "seed" | "index"> | undefined;
    try {
      const pending = target.check(input);
      if (pending) await pending;
    } catch (error) {
      failure = { kind: "crash", message: describe(error) };
    }
    const elapsed = performance.now() - t0;
    if (failure === undefined && elapsed > hangMs) {
      failure = { kind: "hang", message: `case took ${Math.round(elapsed)} ms` };
    }
    stats.cases++;
    if (failure) {
      if (failure.kind === "crash") stats.crashes++;
      else stats.hangs++;
      options.onFailure?.({ ...failure, target: target.name, seed: options.seed, index, input });
    }
  }
  stats.ms = performance.now() - started;
  return stats;
}
