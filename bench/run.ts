/**
 * `deno task bench`: redis-benchmark SET/GET against Redis directly, twemproxy and haproxy
 * (where installed) and Remiro in plain mode, in migration mode and over a failover group (the
 * same server as master, with one replica), and a ketama ring of three servers through Remiro
 * and through twemproxy, in alternating order over several
 * rounds; then the copy rate of migration misses and Remiro's memory. Prints a table of
 * medians and ratios and writes the same as JSON. A benchmark, not a test: nothing fails.
 *
 *   deno task bench [--rounds 3] [--clients 50] [--quick] [--json FILE] [--no-memory]
 *   deno task bench rdb [--keys 1000000] [--rounds 3] [--quick]   (see bench/rdb.ts)
 *   deno task bench reshard [--keys 1000000] [--rounds 3] [--quick]   (see bench/reshard.ts)
 *   deno task bench replicate [--keys 1000000] [--rounds 3] [--quick]   (see bench/replicate.ts)
 */
import { parseArgs } from "node:util";
import { RedisServer } from "../lib/redis_process/mod.ts";
import { median } from "./bench_args.ts";
import { copyRate } from "./copy_rate.ts";
import { bigValue, idleConnections } from "./memory.ts";
import { type RunningPeer, startHaproxy, startTwemproxy } from "./peers.ts";
import { type BenchResult, redisBenchmark } from "./redis_benchmark.ts";
import { processCpuSeconds } from "./process_cpu.ts";
import { startRemiro } from "./remiro_process.ts";

interface Target {
  name: string;
  port: number;
  /** The proxy's process, for the CPU time it spends per request. */
  pid?: number;
}

/** One redis-benchmark result, with the proxy's CPU time per request when known. */
interface Sample extends BenchResult {
  cpuUs?: number;
}

const PIPELINES = [1, 16];
const TESTS = ["SET", "GET"];

if (Deno.args[0] === "rdb") {
  const { benchRdb } = await import("./rdb.ts");
  await benchRdb(Deno.args.slice(1));
  Deno.exit(0);
}
if (Deno.args[0] === "replicate") {
  const { benchReplicate } = await import("./replicate.ts");
  await benchReplicate(Deno.args.slice(1));
  Deno.exit(0);
}
if (Deno.args[0] === "reshard") {
  const { benchReshard } = await import("./reshard.ts");
  await benchReshard(Deno.args.slice(1));
  Deno.exit(0);
}

const { values } = parseArgs({
  args: Deno.args,
  options: {
    rounds: { type: "string", default: "3" },
    clients: { type: "string", default: "50" },
    quick: { type: "boolean", default: false },
    json: { type: "string", default: "bench/results.json" },
    "no-memory": { type: "boolean", default: false },
  },
});
const rounds = Number(values.rounds);
const clients = Number(values.clients);

const stops: (() => Promise<unknown>)[] = [];
try {
  const destination = await RedisServer.start();
  const source = await RedisServer.start();
  const replica = await RedisServer.start({
    args: ["--replicaof", destination.hostname, String(destination.port)],
  });
  stops.push(() => destination.stop(), () => source.stop(), () => replica.stop());
  const targets: Target[] = [{ name: "redis direct", port: destination.port }];
  const absent: string[] = [];
  for (const [name, start] of [["twemproxy", startTwemproxy], ["haproxy", startHaproxy]] as const) {
    let peer: RunningPeer | undefined;
    try {
      peer = await start(destination);
    } catch (error) {
      absent.push(`${name} (failed to start: ${(error as Error).message})`);
      continue;
    }
    if (peer) {
      stops.push(peer.stop);
      targets.push({ name, port: peer.port, pid: peer.pid });
    } else {
      absent.push(`${name} (not installed)`);
    }
  }
  const plain = await startRemiro(destination);
  const migrate = await startRemiro(destination, source);
  const failover = await startRemiro(destination, undefined, [replica]);
  stops.push(plain.stop, migrate.stop, failover.stop);
  targets.push(
    { name: "remiro plain", port: plain.port, pid: plain.pid },
    { name: "remiro migrate", port: migrate.port, pid: migrate.pid },
    { name: "remiro failover", port: failover.port, pid: failover.pid },
  );
  const ringNodes = await Promise.all([0, 1, 2].map(() => RedisServer.start()));
  stops.push(...ringNodes.map((node) => () => node.stop()));
  const ring = await startRemiro(ringNodes[0], undefined, ringNodes.slice(1), "ring");
  stops.push(ring.stop);
  targets.push({ name: "remiro ring", port: ring.port, pid: ring.pid });
  const twemproxyRing = await startTwemproxy(ringNodes).catch((error) => {
    absent.push(`twemproxy ring (failed to start: ${(error as Error).message})`);
    return undefined;
  });
  if (twemproxyRing) {
    stops.push(twemproxyRing.stop);
    targets.push({ name: "twemproxy ring", port: twemproxyRing.port, pid: twemproxyRing.pid });
  }
  if (absent.length) console.log(`absent peers: ${absent.join("; ")}`);

  // Every key exists on the destination (and on its ring node): migration-mode reads measure
  // the steady state, and ring reads find their keys.
  for (const port of [destination.port, ring.port]) {
    await redisBenchmark(port, {
      tests: "set",
      requests: 200_000,
      clients,
      pipeline: 16,
      keyspace: 10_000,
    });
  }
  const samples = new Map<string, Sample[]>();
  for (let round = 0; round < rounds; round++) {
    // Alternate the order so no target always runs first (or last) on a warming machine.
    const order = round % 2 === 0 ? targets : [...targets].reverse();
    for (const pipeline of PIPELINES) {
      const requests = (values.quick ? 20_000 : 100_000) * (pipeline === 1 ? 1 : 6);
      for (const target of order) {
        for (const test of TESTS) {
          const cpuBefore = target.pid === undefined ? undefined : processCpuSeconds(target.pid);
          const results = await redisBenchmark(target.port, {
            tests: test.toLowerCase(),
            requests,
            clients,
            pipeline,
            keyspace: 10_000,
          });
          const cpuAfter = target.pid === undefined ? undefined : processCpuSeconds(target.pid);
          const sample: Sample = { ...results.get(test)! };
          if (cpuBefore !== undefined && cpuAfter !== undefined) {
            sample.cpuUs = (cpuAfter - cpuBefore) / requests * 1e6;
          }
          const key = `${target.name}|${test}|${pipeline}`;
          samples.set(key, [...samples.get(key) ?? [], sample]);
        }
      }
    }
  }
  const rps = (name: string, test: string, pipeline: number) =>
    median((samples.get(`${name}|${test}|${pipeline}`) ?? []).map((r) => r.rps));
  const p99 = (name: string, test: string, pipeline: number) =>
    median((samples.get(`${name}|${test}|${pipeline}`) ?? []).map((r) => r.p99));
  // A proxy's CPU time per request drifts with the machine too, but less than throughput: it
  // is what the proxies cost, whatever the benchmark client and Redis got of the cores.
  const cpuUs = (name: string, test: string, pipeline: number) => {
    const values = (samples.get(`${name}|${test}|${pipeline}`) ?? []).flatMap((r) =>
      r.cpuUs === undefined ? [] : [r.cpuUs]
    );
    return values.length === 0 ? undefined : Number(median(values).toFixed(2));
  };
  const reference = targets.find((t) => t.name === "twemproxy") ?? targets[0];
  // The machine's speed drifts by a third within seconds (shared cores), so a ratio is taken
  // within each round, between runs seconds apart, and the median of those is reported.
  const ratio = (name: string, base: string, test: string, pipeline: number) => {
    const mine = samples.get(`${name}|${test}|${pipeline}`) ?? [];
    const theirs = samples.get(`${base}|${test}|${pipeline}`) ?? [];
    const perRound = mine.map((r, i) => r.rps / theirs[i]?.rps).filter(Number.isFinite);
    return Number(median(perRound).toFixed(2));
  };

  const throughput = targets.map((target) => ({
    target: target.name,
    results: PIPELINES.flatMap((pipeline) =>
      TESTS.map((test) => ({
        test,
        pipeline,
        rps: rps(target.name, test, pipeline),
        p99Ms: p99(target.name, test, pipeline),
        cpuUsPerRequest: cpuUs(target.name, test, pipeline),
        vsReference: ratio(target.name, reference.name, test, pipeline),
      }))
    ),
  }));
  const versusPlain = (name: string) =>
    PIPELINES.flatMap((pipeline) =>
      TESTS.map((test) => ({
        test,
        pipeline,
        ratio: ratio(name, "remiro plain", test, pipeline),
      }))
    );
  const migrateVsPlain = versusPlain("remiro migrate");
  const failoverVsPlain = versusPlain("remiro failover");
  const ringVsTwemproxy = PIPELINES.flatMap((pipeline) =>
    TESTS.map((test) => ({
      test,
      pipeline,
      ratio: ratio("remiro ring", "twemproxy ring", test, pipeline),
    }))
  );

  console.log(
    `\nmedian requests/s over ${rounds} rounds, ${clients} clients; ` +
      `(ratio against ${reference.name}: the median of the ratios within each round); p99 in ms`,
  );
  console.log(
    "| target | SET -P 1 | GET -P 1 | SET -P 16 | GET -P 16 | SET p99 -P 1 | GET p99 -P 1 |",
  );
  console.log("|---|---|---|---|---|---|---|");
  for (const row of throughput) {
    const cells = row.results.map((r) => `${Math.round(r.rps / 1000)}k (${r.vsReference}x)`);
    const tails = row.results.filter((r) => r.pipeline === 1).map((r) => r.p99Ms);
    console.log(`| ${row.target} | ${cells.join(" | ")} | ${tails.join(" | ")} |`);
  }
  console.log("\nproxy CPU time per request, µs (user + system, median over rounds)");
  console.log("| target | SET -P 1 | GET -P 1 | SET -P 16 | GET -P 16 |");
  console.log("|---|---|---|---|---|");
  for (const row of throughput) {
    if (row.results.every((r) => r.cpuUsPerRequest === undefined)) continue;
    console.log(`| ${row.target} | ${row.results.map((r) => r.cpuUsPerRequest).join(" | ")} |`);
  }
  const ratios = (rows: typeof migrateVsPlain) =>
    rows.map((r) => `${r.test} -P ${r.pipeline} ${r.ratio}x`).join(", ");
  console.log(`\nmigration mode / plain proxy: ${ratios(migrateVsPlain)}`);
  console.log(`failover group / plain proxy: ${ratios(failoverVsPlain)}`);
  if (twemproxyRing) console.log(`remiro ring / twemproxy ring: ${ratios(ringVsTwemproxy)}`);

  const copies = await copyRate(values.quick ? 20_000 : 100_000, clients);
  console.log(
    `migration misses: ${copies.keysCopied} keys copied in ${copies.seconds} s ` +
      `= ${copies.keysPerSecond} keys/s`,
  );

  let memory: Record<string, unknown> | undefined;
  if (!values["no-memory"]) {
    const idleProcess = await startRemiro(destination);
    const idle = await idleConnections(idleProcess, values.quick ? 2000 : 10_000).finally(() =>
      idleProcess.stop()
    );
    const bigProcess = await startRemiro(destination);
    const big = await bigValue(bigProcess, values.quick ? 20 : 100).finally(() =>
      bigProcess.stop()
    );
    const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);
    console.log(
      `memory: ${idle.count} idle clients: RSS ${mb(idle.rssBefore)} -> ${mb(idle.rssAfter)} MB ` +
        `(${idle.bytesPerConnection} bytes each)`,
    );
    console.log(
      `memory: relaying a ${mb(big.valueBytes)} MB value: RSS ${mb(big.rssBefore)} MB, peak ` +
        `${mb(big.peak)} MB (${big.peakOverValue}x the value above the start)`,
    );
    memory = { idle, bigValue: big };
  }

  const report = {
    date: new Date().toISOString(),
    rounds,
    clients,
    reference: reference.name,
    absentPeers: absent,
    throughput,
    migrateVsPlain,
    failoverVsPlain,
    ringVsTwemproxy: twemproxyRing ? ringVsTwemproxy : undefined,
    copyRate: copies,
    memory,
  };
  await Deno.writeTextFile(values.json, JSON.stringify(report, null, 2) + "\n");
  console.log(`\nwritten to ${values.json}`);
} finally {
  for (const stop of stops.reverse()) await stop();
}
