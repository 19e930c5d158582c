/**
 * `deno task fuzz [--cases N] [--seed S] [--target resp|router|rdb|all] [--proxy-commands N]`
 *
 * Runs each target in a worker with a watchdog, prints cases, crashes, hangs, seconds and the
 * process RSS before and after per target, writes every failing input to
 * fuzz/crashes/<target>-<seed>-<case>.bin, and exits 1 on any crash or hang.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { caseInput, type Failure, type RunStats } from "./engine.ts";
import { checkProxy } from "./proxy_check.ts";
import { CASE_SHARES, isTargetName, loadTarget, TARGET_NAMES, type TargetName } from "./targets.ts";
import type { WorkerMessage, WorkerRequest } from "./worker.ts";

const DEFAULT_CASES = 1_000_000;
const DEFAULT_SEED = 1;
const DEFAULT_PROXY_COMMANDS = 20_000;
// A case slower than this is reported as a hang; one making no progress this long is killed.
const HANG_MS = 2_000;
const STALL_MS = 10_000;
// Inputs written per target; past this a run is failing for one reason many times over.
const MAX_SAVED = 50;
const CRASH_DIR = new URL("./crashes/", import.meta.url);

interface TargetResult extends RunStats {
  target: string;
  rssBefore: number;
  rssAfter: number;
}

function usage(message: string): never {
  console.error(`${message}
usage: deno task fuzz [--cases N] [--seed S] [--target resp|router|rdb|all] [--proxy-commands N]`);
  Deno.exit(2);
}

function count(text: string, flag: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 0) usage(`${flag} wants a whole number: ${text}`);
  return value;
}

async function save(failure: Failure, saved: Map<string, number>): Promise<void> {
  const n = (saved.get(failure.target) ?? 0) + 1;
  saved.set(failure.target, n);
  const first = failure.message.split("\n").slice(0, 3).join("\n  ");
  console.error(`${failure.target} case ${failure.index} ${failure.kind}: ${first}`);
  if (n > MAX_SAVED) return;
  await Deno.mkdir(CRASH_DIR, { recursive: true });
  const file = new URL(`${failure.target}-${failure.seed}-${failure.index}.bin`, CRASH_DIR);
  await Deno.writeFile(file, failure.input);
}

/**
 * Runs cases [first, cases) in one worker. Resolves with the stats, or with the index of the
 * case that made no progress for STALL_MS (the worker is then killed).
 */
function runWorker(
  target: TargetName,
  seed: number,
  cases: number,
  first: number,
  onFailure: (failure: Failure) => void,
): Promise<{ stats: RunStats } | { stalledAt: number }> {
  const progress = new SharedArrayBuffer(4);
  const slot = new Int32Array(progress);
  slot[0] = first;
  const worker = new Worker(new URL("./worker.ts", import.meta.url), { type: "module" });
  return new Promise((resolve, reject) => {
    let seen = first;
    let lastChange = performance.now();
    const watchdog = setInterval(() => {
      const now = Atomics.load(slot, 0);
      if (now !== seen) {
        seen = now;
        lastChange = performance.now();
      } else if (performance.now() - lastChange > STALL_MS) {
        clearInterval(watchdog);
        worker.terminate();
        resolve({ stalledAt: now });
      }
    }, 250);
    worker.onmessage = (event: MessageEvent<WorkerMessage>) => {
      const message = event.data;
      if (message.type === "failure") onFailure(message.failure);
      else {
        clearInterval(watchdog);
        worker.terminate();
        resolve({ stats: message.stats });
      }
    };
    worker.onerror = (event) => {
      clearInterval(watchdog);
      worker.terminate();
      event.preventDefault();
      reject(new Error(`the ${target} worker failed: ${event.message}`));
    };
    worker.postMessage(
      { target, seed, cases, first, hangMs: HANG_MS, progress } satisfies WorkerRequest,
    );
  });
}

async function fuzzTarget(
  target: TargetName,
  seed: number,
  cases: number,
  onFailure: (failure: Failure) => void,
): Promise<TargetResult> {
  const rssBefore = Deno.memoryUsage().rss;
  const started = performance.now();
  const total: RunStats = { cases: 0, crashes: 0, hangs: 0, ms: 0 };
  let first = 0;
  while (first < cases) {
    const outcome = await runWorker(target, seed, cases, first, onFailure);
    if ("stats" in outcome) {
      total.cases += outcome.stats.cases;
      total.crashes += outcome.stats.crashes;
      total.hangs += outcome.stats.hangs;
      break;
    }
    // The stuck case is regenerated here from (seed, index): the worker could not report it.
    const index = outcome.stalledAt;
    const input = caseInput(await loadTarget(target), seed, index);
    onFailure({
      target,
      seed,
      index,
      kind: "hang",
      message: `no progress for ${STALL_MS / 1000} s: worker killed`,
      input,
    });
    total.cases += index - first + 1;
    total.hangs++;
    first = index + 1;
  }
  total.ms = performance.now() - started;
  return { target, ...total, rssBefore, rssAfter: Deno.memoryUsage().rss };
}

/** How `cases` are divided between `targets`, by their shares; the first takes the rounding. */
function split(targets: readonly TargetName[], cases: number): number[] {
  const shares = targets.map((t) => CASE_SHARES[t]);
  const sum = shares.reduce((a, b) => a + b, 0);
  const counts = shares.map((s) => Math.floor((cases * s) / sum));
  counts[0] += cases - counts.reduce((a, b) => a + b, 0);
  return counts;
}

const mb = (bytes: number) => (bytes / 2 ** 20).toFixed(0);

function printTable(results: TargetResult[]): void {
  const rows = [[
    "target",
    "cases",
    "crashes",
    "hangs",
    "seconds",
    "RSS before MB",
    "RSS after MB",
  ]];
  for (const r of results) {
    rows.push([
      r.target,
      String(r.cases),
      String(r.crashes),
      String(r.hangs),
      (r.ms / 1000).toFixed(1),
      mb(r.rssBefore),
      mb(r.rssAfter),
    ]);
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  for (const row of rows) console.log(row.map((cell, i) => cell.padStart(widths[i])).join("  "));
}

/** Runs the end-to-end proxy check and prints its line; false if it failed. */
async function reportProxy(seed: number, commands: number, migration: boolean): Promise<boolean> {
  const proxy = await checkProxy(seed, commands, migration);
  const mode = migration ? "migration proxy (source + destination)" : "proxy (one server)";
  console.log(
    `${mode}: ${proxy.commands} random commands over one connection, ${proxy.replies} replies ` +
      `(${proxy.errors} errors), PING after: ${proxy.pingAfter ? "PONG" : "no answer"}, ` +
      `${(proxy.ms / 1000).toFixed(1)} s` + (proxy.failure ? `\nFAILED: ${proxy.failure}` : ""),
  );
  if (!proxy.failure) return true;
  await Deno.mkdir(CRASH_DIR, { recursive: true });
  const name = `${migration ? "migration" : "proxy"}-${seed}-${proxy.commands}.bin`;
  await Deno.writeFile(new URL(name, CRASH_DIR), proxy.batch);
  return false;
}

async function main(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      cases: { type: "string", default: String(DEFAULT_CASES) },
      seed: { type: "string", default: String(DEFAULT_SEED) },
      target: { type: "string", default: "all" },
      "proxy-commands": { type: "string", default: String(DEFAULT_PROXY_COMMANDS) },
    },
  });
  const cases = count(values.cases, "--cases");
  const seed = count(values.seed, "--seed");
  const proxyCommands = count(values["proxy-commands"], "--proxy-commands");
  const wanted = values.target;
  if (wanted !== "all" && !isTargetName(wanted)) usage(`unknown target ${wanted}`);
  const targets = wanted === "all" ? TARGET_NAMES : [wanted];
  const counts = split(targets, cases);
  console.log(
    `fuzz: seed ${seed}, ${cases} cases (${targets.map((t, i) => `${t} ${counts[i]}`).join(", ")})`,
  );
  const saved = new Map<string, number>();
  const writes: Promise<void>[] = [];
  const onFailure = (failure: Failure) => void writes.push(save(failure, saved));
  const results: TargetResult[] = [];
  for (const [i, target] of targets.entries()) {
    results.push(await fuzzTarget(target, seed, counts[i], onFailure));
  }
  await Promise.all(writes);
  printTable(results);
  let failed = results.some((r) => r.crashes + r.hangs > 0);
  if (targets.includes("router") && proxyCommands > 0) {
    for (const migration of [false, true]) {
      if (!(await reportProxy(seed, proxyCommands, migration))) failed = true;
    }
  }
  if (failed) console.log(`failing inputs are in ${CRASH_DIR.pathname}`);
  return failed ? 1 : 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
