/**
 * Regenerates the RDB fixtures in tests/fixtures/rdb: for each redis-server binary given (the
 * installed one by default), fills a fresh server with every type in every encoding that version
 * uses, saves, and writes `redis-<version>.rdb` with `redis-<version>.json`, the value of every
 * key as the server itself reports it through commands. The tests compare the parser against
 * those reports.
 *
 *   deno run -A scripts/gen_rdb_fixtures.ts [--redis-server PATH ...]
 *
 * The checked-in fixtures were made by Redis 2.8.24, 6.2.16, 7.0.15 and 7.4.1 built from their
 * release tags.
 */
import { parseArgs } from "node:util";
import { Redis } from "ioredis";
import { RedisServer } from "../lib/redis_process/mod.ts";
import { expectedValues, type FixtureKey } from "../tests/_util/rdb_fixture_values.ts";

const OUT = new URL("../tests/fixtures/rdb/", import.meta.url);
const FAR_FUTURE_MS = 4102444800000; // 2100-01-01, so fixture keys never expire in a test

const { values } = parseArgs({
  args: Deno.args,
  options: { "redis-server": { type: "string", multiple: true, default: ["redis-server"] } },
});

/** "7.0.15" → 7.0, enough to choose which commands exist. */
function release(version: string): number {
  const [major, minor] = version.split(".").map(Number);
  return major + minor / 10;
}

function seeded(seed: number): (n: number) => Uint8Array {
  return (n) => {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      out[i] = (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 24;
    }
    return out;
  };
}

async function fill(redis: Redis, version: number): Promise<void> {
  const random = seeded(7);
  const range = <T>(n: number, f: (i: number) => T): T[] =>
    Array.from({ length: n }, (_, i) => f(i));
  await redis.select(0);
  // Strings: integer-encoded, short, long and compressible, binary, large, and integer keys.
  await redis.set("str:int", "12345");
  await redis.set("str:negative", "-7");
  await redis.set("str:int64", "12345678901234");
  await redis.set("str:short", "hello");
  await redis.set("str:compressible", "abcdefgh".repeat(200));
  await redis.set(Buffer.from([0, 0xff, 0x80, 0x0a]), Buffer.from(random(64)));
  await redis.set("str:large", Buffer.from(random(200_000)));
  await redis.set("42", "integer key");
  await redis.set("-1", "negative integer key");
  await redis.set("str:empty", "");
  // Lists: one small node, many nodes, long elements.
  await redis.rpush("list:small", "a", "b", "1", "-2", "300000", "c".repeat(30));
  await redis.rpush("list:large", ...range(2000, (i) => (i % 3 ? `item-${i}` : String(i * 1000))));
  await redis.rpush("list:wide", ...range(20, (i) => `${i}`.repeat(500)));
  // Sets: intset (16-, 32- and 64-bit members), strings small and large.
  await redis.sadd("set:int16", ...range(10, (i) => String(i - 5)));
  await redis.sadd("set:int32", "100000", "-100000", "7");
  await redis.sadd("set:int64", "10000000000", "-10000000000", "1");
  await redis.sadd("set:small", "apple", "banana", "cherry");
  await redis.sadd("set:large", ...range(1000, (i) => `member-${i}`));
  // Sorted sets: small (ziplist/listpack) and skiplist, with special scores.
  await redis.zadd("zset:small", 1, "one", 2.5, "two and a half", -3, "minus three", 0, "zero");
  await redis.zadd("zset:special", "inf", "top", "-inf", "bottom", 1e-300, "tiny", 1.5e300, "huge");
  const zsetLarge = range(300, (i) => [String(i * 1.25), `m${i}`]).flat();
  await redis.zadd("zset:large", ...zsetLarge);
  // Hashes: small, with a long value, large.
  await redis.hmset("hash:small", "name", "remiro", "count", "42", "neg", "-5");
  await redis.hmset("hash:longvalue", "f", "v".repeat(100));
  await redis.hmset("hash:large", ...range(1000, (i) => [`field-${i}`, `value-${i}`]).flat());
  // Expiries, far enough ahead that a test never sees them pass.
  await redis.set("ttl:string", "expiring");
  await redis.pexpireat("ttl:string", FAR_FUTURE_MS);
  await redis.rpush("ttl:list", "x", "y");
  await redis.pexpireat("ttl:list", FAR_FUTURE_MS + 1234);
  if (version >= 5.0) {
    for (let i = 0; i < 250; i++) {
      const fields = i % 10 === 0 ? ["other", String(i)] : ["temp", String(i), "unit", "C"];
      await redis.xadd("stream:events", `${1700000000000 + i}-${i % 3}`, ...fields);
    }
    await redis.xdel("stream:events", "1700000000005-2", "1700000000006-0");
    await redis.xgroup("CREATE", "stream:events", "readers", "0");
    await redis.xgroup("CREATE", "stream:events", "late", "$");
    await redis.xreadgroup(
      "GROUP",
      "readers",
      "alice",
      "COUNT",
      "5",
      "STREAMS",
      "stream:events",
      ">",
    );
    await redis.xreadgroup(
      "GROUP",
      "readers",
      "bob",
      "COUNT",
      "3",
      "STREAMS",
      "stream:events",
      ">",
    );
    await redis.xack("stream:events", "readers", "1700000000000-0");
    await redis.xadd("stream:emptied", "1-1", "a", "b");
    await redis.xdel("stream:emptied", "1-1");
  }
  if (version >= 7.0) {
    // Elements over the packed threshold get quicklist nodes of their own ("plain" nodes).
    await redis.call("DEBUG", "QUICKLIST-PACKED-THRESHOLD", "1000");
    await redis.rpush("list:plain", "small", "p".repeat(1500), "tail");
    await redis.call(
      "FUNCTION",
      "LOAD",
      "#!lua name=fixturelib\nredis.register_function('fixture_echo', function(keys, args) return args[1] end)",
    );
  }
  if (version >= 7.4) {
    await redis.hset("hash:fieldttl:small", "a", "1", "b", "2", "c", "3");
    await redis.call("HPEXPIREAT", "hash:fieldttl:small", FAR_FUTURE_MS, "FIELDS", 2, "a", "b");
    await redis.hset("hash:fieldttl:large", ...range(600, (i) => [`f${i}`, `v${i}`]).flat());
    await redis.call(
      "HPEXPIREAT",
      "hash:fieldttl:large",
      FAR_FUTURE_MS + 5,
      "FIELDS",
      3,
      "f1",
      "f2",
      "f3",
    );
  }
  await redis.select(1);
  await redis.set("db1:key", "in db 1");
  await redis.sadd("db1:set", "x");
  await redis.select(5);
  await redis.set("db5:key", "in db 5");
  await redis.hmset("db5:hash", "k", "v");
  await redis.select(0);
}

/** The release of a redis-server binary, from `--version`. */
async function binaryRelease(binary: string): Promise<number> {
  const { stdout } = await new Deno.Command(binary, { args: ["--version"] }).output();
  return release(/v=(\S+)/.exec(new TextDecoder().decode(stdout))![1]);
}

for (const binary of values["redis-server"]!) {
  const dir = await Deno.makeTempDir({ prefix: "remiro-fixture-" });
  const debug = (await binaryRelease(binary)) >= 7.0 ? ["--enable-debug-command", "yes"] : [];
  const server = await RedisServer.start({ binary, args: ["--dir", dir, ...debug] });
  const redis = new Redis({ port: server.port, host: "127.0.0.1" });
  try {
    const info = await redis.info("server");
    const version = /redis_version:(\S+)/.exec(info)![1];
    await fill(redis, release(version));
    await redis.save();
    const keys: FixtureKey[] = await expectedValues(redis, release(version));
    const name = `redis-${version}`;
    await Deno.copyFile(`${dir}/dump.rdb`, new URL(`${name}.rdb`, OUT));
    await Deno.writeTextFile(new URL(`${name}.json`, OUT), JSON.stringify(keys, null, 1) + "\n");
    console.log(`${name}.rdb: ${keys.length} keys`);
  } finally {
    redis.disconnect();
    await server.stop();
    await Deno.remove(dir, { recursive: true });
  }
}
