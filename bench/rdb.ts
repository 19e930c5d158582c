/**
 * `deno task bench rdb`: makes an RDB of a million keys with redis-server, then times, over
 * several rounds, redis-server loading it and Remiro filtering it (half the keys kept, written
 * to a file) and decoding every value. Prints medians and the ratio to Redis's load time and
 * writes them as JSON. A benchmark, not a test: nothing fails.
 *
 *   deno task bench rdb [--keys 1000000] [--rounds 3] [--quick] [--json FILE]
 */
import { Redis } from "ioredis";
import { filterRdb, forEachRecord } from "../lib/rdb/mod.ts";
import { keyspaceBenchArgs, median } from "./bench_args.ts";
import { RedisServer } from "../lib/redis_process/mod.ts";

/** A file with `keys` keys: 90% strings of 64 bytes, 10% small hashes, lists, sets and zsets. */
export async function makeRdb(keys: number, path: string): Promise<void> {
  await using server = await RedisServer.start({ args: ["--enable-debug-command", "yes"] });
  const redis = new Redis({ port: server.port, host: "127.0.0.1" });
  try {
    const strings = Math.round(keys * 0.9);
    await redis.call("DEBUG", "POPULATE", strings, "key", 64);
    const collections = keys - strings;
    for (let start = 0; start < collections; start += 5000) {
      const batch = redis.pipeline();
      for (let i = start; i < Math.min(collections, start + 5000); i++) {
        switch (i % 4) {
          case 0:
            batch.hset(`hash:${i}`, "name", `user ${i}`, "visits", i, "email", `u${i}@example.com`);
            break;
          case 1:
            batch.rpush(`list:${i}`, "a", "b", `${i}`, "d", "e");
            break;
          case 2:
            batch.sadd(`set:${i}`, "x", "y", `${i}`);
            break;
          default:
            batch.zadd(`zset:${i}`, 1, "one", 2, "two", i, `${i}`);
        }
      }
      await batch.exec();
    }
    await redis.save();
    const [, dir] = (await redis.config("GET", "dir")) as string[];
    await Deno.copyFile(`${dir}/dump.rdb`, path);
  } finally {
    redis.disconnect();
  }
}

/** Seconds redis-server reports for loading `rdb` at start-up. */
async function redisLoadSeconds(rdb: Uint8Array): Promise<number> {
  await using server = await RedisServer.start({ rdb });
  const match = /DB loaded from disk: ([\d.]+) seconds/.exec(server.output);
  if (!match) throw new Error(`redis-server did not report its load time:\n${server.output}`);
  return Number(match[1]);
}

async function timeFilter(path: string, out: string): Promise<{ seconds: number; kept: number }> {
  using input = await Deno.open(path);
  using output = await Deno.open(out, { write: true, create: true, truncate: true });
  const started = performance.now();
  const stats = await filterRdb(input.readable, (chunk) => {
    for (let at = 0; at < chunk.length;) at += output.writeSync(chunk.subarray(at));
  }, { include: /[02468]$/ });
  return { seconds: (performance.now() - started) / 1000, kept: stats.kept };
}

async function timeDecode(path: string): Promise<number> {
  using input = await Deno.open(path);
  const started = performance.now();
  await forEachRecord(input.readable, (record) => {
    if (record.kind === "entry") record.entry.decode();
  });
  return (performance.now() - started) / 1000;
}

export async function benchRdb(args: string[]): Promise<void> {
  const { keys, rounds, json } = keyspaceBenchArgs(args, "rdb");
  const dir = await Deno.makeTempDir({ prefix: "remiro-bench-rdb-" });
  try {
    const path = `${dir}/input.rdb`;
    await makeRdb(keys, path);
    const rdb = await Deno.readFile(path);
    console.log(`RDB of ${keys} keys: ${(rdb.length / 1024 / 1024).toFixed(1)} MB`);
    const load: number[] = [];
    const filter: number[] = [];
    const decode: number[] = [];
    let kept = 0;
    for (let round = 0; round < rounds; round++) {
      // Alternate which side runs first, so neither always meets a warm page cache first.
      const steps = [
        async () => load.push(await redisLoadSeconds(rdb)),
        async () => {
          const result = await timeFilter(path, `${dir}/out.rdb`);
          filter.push(result.seconds);
          kept = result.kept;
        },
        async () => decode.push(await timeDecode(path)),
      ];
      for (const step of round % 2 ? steps.reverse() : steps) await step();
    }
    const report = {
      date: new Date().toISOString(),
      keys,
      fileBytes: rdb.length,
      rounds,
      redisLoadSeconds: median(load),
      filterSeconds: median(filter),
      filterKept: kept,
      decodeSeconds: median(decode),
      filterSpeedVsRedisLoad: Number((median(load) / median(filter)).toFixed(2)),
      decodeSpeedVsRedisLoad: Number((median(load) / median(decode)).toFixed(2)),
      peakRssMB: Number((Deno.memoryUsage().rss / 1024 / 1024).toFixed(1)),
    };
    const rate = (seconds: number) => `${Math.round(keys / seconds / 1000)}k keys/s`;
    console.log(`median of ${rounds} rounds:`);
    console.log(
      `  redis-server loading it:      ${report.redisLoadSeconds.toFixed(3)} s (${
        rate(report.redisLoadSeconds)
      })`,
    );
    console.log(
      `  remiro filter (${kept} kept):  ${report.filterSeconds.toFixed(3)} s (${
        rate(report.filterSeconds)
      }), ` +
        `${report.filterSpeedVsRedisLoad}x Redis's speed`,
    );
    console.log(
      `  remiro decode every value:    ${report.decodeSeconds.toFixed(3)} s (${
        rate(report.decodeSeconds)
      }), ` +
        `${report.decodeSpeedVsRedisLoad}x Redis's speed`,
    );
    console.log(`  remiro process RSS: ${report.peakRssMB} MB`);
    await Deno.writeTextFile(json, JSON.stringify(report, null, 2) + "\n");
    console.log(`written to ${json}`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}
