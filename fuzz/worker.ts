/// <reference lib="deno.worker" />
/**
 * Runs one target's cases off the main thread, so that a case stuck in an endless loop can be
 * killed: the case being run is written to shared memory, where the main thread's watchdog
 * reads it.
 *
 * @module
 */
import { type Failure, runCases, type RunStats } from "./engine.ts";
import { loadTarget, type TargetName } from "./targets.ts";

/** What the main thread sends to start a run. */
export interface WorkerRequest {
  target: TargetName;
  seed: number;
  cases: number;
  first: number;
  hangMs: number;
  progress: SharedArrayBuffer;
}

/** What the worker sends back: each failure as found, then the totals. */
export type WorkerMessage =
  | { type: "failure"; failure: Failure }
  | { type: "done"; stats: RunStats };

self.onmessage = async (event: MessageEvent<WorkerRequest>) => {
  const { target, seed, cases, first, hangMs, progress } = event.data;
  const stats = await runCases(await loadTarget(target), {
    seed,
    cases,
    first,
    hangMs,
    progress: new Int32Array(progress),
    onFailure: (failure) => self.postMessage({ type: "failure", failure } satisfies WorkerMessage),
  });
  self.postMessage({ type: "done", stats } satisfies WorkerMessage);
};
