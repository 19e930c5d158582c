import { rawCommand, RedisServer } from "../lib/redis_process/mod.ts";
import { redisBenchmark } from "./redis_benchmark.ts";
import { startRemiro } from "./remiro_process.ts";

/**
 * Migration mode where every first GET of a key misses on the destination and copies it:
 * the source holds `keys` keys, the destination is empty, clients GET random keys.
 */
export async function copyRate(
  keys: number,
  clients: number,
): Promise<{ keysCopied: number; seconds: number; keysPerSecond: number }> {
  await using source = await RedisServer.start();
  await using destination = await RedisServer.start();
  // Fills key:000000000000 .. with random writes until (almost) every key exists.
  await redisBenchmark(source.port, {
    tests: "set",
    requests: keys * 5,
    clients: 50,
    pipeline: 16,
    keyspace: keys,
  });
  const remiro = await startRemiro(destination, source);
  try {
    const started = performance.now();
    await redisBenchmark(remiro.port, {
      tests: "get",
      requests: keys,
      clients,
      pipeline: 16,
      keyspace: keys,
    });
    const seconds = (performance.now() - started) / 1000;
    const dbsize = await rawCommand(destination.hostname, destination.port, ["DBSIZE"]);
    const keysCopied = Number(dbsize.replace(/^:/, "").trim());
    return {
      keysCopied,
      seconds: Number(seconds.toFixed(2)),
      keysPerSecond: Math.round(keysCopied / seconds),
    };
  } finally {
    await remiro.stop();
  }
}
