/**
 * `deno task bench replicate`: copies a million-key database with `remiro replicate` (snapshot
 * mode, a process of its own) and compares the keys per second with Redis's own full sync of
 * the same data to a fresh replica, the physical limit. Alternating order, medians, JSON.
 *
 *   deno task bench replicate [--keys 1000000] [--rounds 3] [--quick] [--json FILE]
 */
import { RedisServer } from "../lib/redis_process/mod.ts";
import { keyspaceBenchArgs, median } from "./bench_args.ts";
import { makeRdb } from "./rdb.ts";
import { syncSeconds } from "./reshard.ts";

const MAIN = new URL("../main.ts", import.meta.url).pathname;
/** A hooks module that passes everything unchanged: the cost of hooks themselves. */
const IDENTITY = new URL("../examples/hooks_identity.ts", import.meta.url).pathname;

async function remiroReplicate(sourcePort: number, args: string[]): Promise<number> {
  await using target = await RedisServer.start();
  const started = performance.now();
  const result = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-all",
      MAIN,
      "replicate",
      "--no-verify",
      "--source",
      `redis://127.0.0.1:${sourcePort}`,
      "--target",
      `redis://127.0.0.1:${target.port}`,
      ...args,
    ],
    stdout: "null",
    stderr: "piped",
  }).output();
  if (!result.success) throw new Error(new TextDecoder().decode(result.stderr));
  return (performance.now() - started) / 1000;
}

export async function benchReplicate(args: string[]): Promise<void> {
  const { keys, rounds, json } = keyspaceBenchArgs(args, "replicate");
  const dir = await Deno.makeTempDir({ prefix: "remiro-bench-replicate-" });
  try {
    await makeRdb(keys, `${dir}/source.rdb`);
    await using source = await RedisServer.start({
      rdb: await Deno.readFile(`${dir}/source.rdb`),
      args: ["--repl-diskless-sync-delay", "0"],
    });
    const variants: [string, () => Promise<number>][] = [
      ["redis full sync", async () => (await syncSeconds(source.port)).seconds],
      [
        "remiro replicate, --batch 50 --threads 4",
        () => remiroReplicate(source.port, ["--batch", "50", "--threads", "4"]),
      ],
      [
        "remiro replicate, --batch 500 --threads 8",
        () => remiroReplicate(source.port, ["--batch", "500", "--threads", "8"]),
      ],
      [
        "remiro replicate, --snapshot-via replication",
        () => remiroReplicate(source.port, ["--snapshot-via", "replication"]),
      ],
      [
        "remiro replicate, --snapshot-via replication --hooks (identity)",
        () => remiroReplicate(source.port, ["--snapshot-via", "replication", "--hooks", IDENTITY]),
      ],
      [
        "remiro replicate, --batch 500 --threads 8 --hooks (identity)",
        () =>
          remiroReplicate(source.port, ["--batch", "500", "--threads", "8", "--hooks", IDENTITY]),
      ],
    ];
    const samples = new Map<string, number[]>(variants.map(([name]) => [name, []]));
    for (let round = 0; round < rounds; round++) {
      for (const [name, run] of round % 2 ? [...variants].reverse() : variants) {
        samples.get(name)!.push(await run());
      }
    }
    const redis = median(samples.get("redis full sync")!);
    const results = [...samples].map(([name, s]) => ({
      name,
      seconds: Number(median(s).toFixed(3)),
      keysPerSecond: Math.round(keys / median(s)),
      vsRedisSync: Number((redis / median(s)).toFixed(2)),
    }));
    console.log(
      `${keys} keys, median of ${rounds} rounds (speed relative to Redis's own full sync):`,
    );
    for (const r of results) {
      console.log(
        `  ${r.name.padEnd(42)} ${
          r.seconds.toFixed(3)
        } s  ${r.keysPerSecond} keys/s  ${r.vsRedisSync}x`,
      );
    }
    await Deno.writeTextFile(
      json,
      JSON.stringify({ date: new Date().toISOString(), keys, rounds, results }, null, 2) + "\n",
    );
    console.log(`written to ${json}`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}
