/**
 * `deno task bench`: redis-benchmark SET/GET against Redis directly, twemproxy (when
 * installed) and Remiro in plain and migration mode, in alternating rounds, all on loopback.
 *
 *   deno task bench [--rounds 2] [--clients 50] [--quick]
 */
import { parseArgs } from "node:util";
import { BenchTargets, type Target } from "./targets.ts";

interface Result {
  rps: number;
  p99: number;
}

async function redisBenchmark(
  target: Target,
  pipeline: number,
  requests: number,
  clients: number,
): Promise<Map<string, Result>> {
  const out = await new Deno.Command("redis-benchmark", {
    args: [
      "-p",
      `${target.port}`,
      "-t",
      "set,get",
      "-n",
      `${requests}`,
      "-c",
      `${clients}`,
      "-P",
      `${pipeline}`,
      "-r",
      "10000",
      "-q",
      "--csv",
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const results = new Map<string, Result>();
  for (const line of new TextDecoder().decode(out.stdout).split("\n").slice(1)) {
    const cells = line.split(",").map((c) => c.replaceAll('"', ""));
    if (cells.length >= 7) results.set(cells[0], { rps: Number(cells[1]), p99: Number(cells[6]) });
  }
  return results;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      rounds: { type: "string", default: "2" },
      clients: { type: "string", default: "50" },
      quick: { type: "boolean", default: false },
    },
  });
  const rounds = Number(values.rounds);
  const clients = Number(values.clients);
  await using set = await BenchTargets.start();
  // Keys exist on the destination, so migration-mode GETs measure the steady state.
  await redisBenchmark(set.targets[0], 16, 200_000, clients);
  const samples = new Map<string, Result[]>();
  for (let round = 0; round < rounds; round++) {
    for (const pipeline of [1, 16]) {
      const requests = (values.quick ? 20_000 : 100_000) * (pipeline === 1 ? 1 : 6);
      for (const target of set.targets) {
        const results = await redisBenchmark(target, pipeline, requests, clients);
        for (const [test, result] of results) {
          const key = `${target.name}|${test}|${pipeline}`;
          samples.set(key, [...samples.get(key) ?? [], result]);
        }
      }
    }
  }
  const cell = (name: string, test: string, pipeline: number) => {
    const results = samples.get(`${name}|${test}|${pipeline}`) ?? [];
    return results.length ? median(results.map((r) => r.rps)) : NaN;
  };
  const p99 = (name: string, test: string) =>
    median((samples.get(`${name}|${test}|1`) ?? []).map((r) => r.p99));
  const reference = set.targets.find((t) => t.name === "twemproxy") ?? set.targets[0];
  console.log(
    `\nmedian requests/s of ${rounds} rounds, ${clients} clients; ratio against ${reference.name}\n`,
  );
  console.log("| target | SET -P 1 | GET -P 1 | SET -P 16 | GET -P 16 | GET p99 ms -P 1 |");
  console.log("|---|---|---|---|---|---|");
  for (const target of set.targets) {
    const cells = [1, 16].flatMap((p) =>
      ["SET", "GET"].map((test) => {
        const value = cell(target.name, test, p);
        const ratio = value / cell(reference.name, test, p);
        return `${Math.round(value / 1000)}k (${ratio.toFixed(2)}x)`;
      })
    );
    console.log(`| ${target.name} | ${cells.join(" | ")} | ${p99(target.name, "GET")} |`);
  }
}
