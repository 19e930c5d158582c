/**
 * Redis as the oracle, command group by command group: the same script of commands, pipelined
 * in one write, runs against Redis itself and through the proxy, in plain mode and in
 * migration mode with the script's starting data on the source only. Every reply must be the
 * same, byte for byte, in RESP2 and in RESP3.
 */
import assert from "node:assert/strict";
import { integrationTest } from "./_util/integration.ts";
import { Migration } from "./_util/proxy.ts";
import { RawConnection } from "./_util/raw_connection.ts";
import { RedisServer } from "./_util/redis.ts";

interface Scenario {
  /** Data that exists before the script runs (on the source in migration mode). */
  seed: string[][];
  script: string[][];
}

const w = (line: string) => line.split(" ");

const SCENARIOS: Record<string, Scenario> = {
  strings: {
    seed: [w("SET s hello"), w("SET n 10"), w("SET e 1 EX 100000")],
    script: [
      w("GET s"),
      w("APPEND s !"),
      w("GETRANGE s 0 3"),
      w("INCRBY n 5"),
      w("INCRBYFLOAT n 0.5"),
      w("SET s x NX"),
      w("SET s y XX GET"),
      w("SET fresh v NX"),
      w("GETDEL s"),
      w("GET s"),
      w("GETEX e PERSIST"),
      w("TTL e"),
      w("MSET a 1 b 2"),
      w("MGET a b n missing"),
      w("MSETNX a 9 c 3"),
      w("STRLEN n"),
      w("SETRANGE n 0 9"),
      w("GET n"),
    ],
  },
  lists: {
    seed: [w("RPUSH l a b c d"), w("RPUSH src x y")],
    script: [
      w("LRANGE l 0 -1"),
      w("LPUSH l z"),
      w("RPOP l"),
      w("LPOS l b"),
      w("LINSERT l BEFORE b q"),
      w("LMOVE src l LEFT RIGHT"),
      w("LRANGE l 0 -1"),
      w("LLEN src"),
      w("LPOP src"),
      w("EXISTS src"),
      w("LPOP l 2"),
      w("LINDEX l -1"),
    ],
  },
  hashes: {
    seed: [w("HSET h f1 v1 f2 2")],
    script: [
      w("HGETALL h"),
      w("HGET h f1"),
      w("HINCRBY h f2 3"),
      w("HSETNX h f1 other"),
      w("HDEL h f1"),
      w("HKEYS h"),
      w("HEXISTS h f1"),
      w("HMGET h f1 f2 f3"),
      w("HLEN h"),
      w("HDEL h f2"),
      w("EXISTS h"),
    ],
  },
  sets: {
    seed: [w("SADD s1 a b c"), w("SADD s2 b c d")],
    script: [
      w("SCARD s1"),
      w("SISMEMBER s1 a"),
      w("SMISMEMBER s2 a b"),
      w("SINTERCARD 2 s1 s2"),
      w("SINTERSTORE both s1 s2"),
      w("SCARD both"),
      w("SINTERSTORE both s1 nothing"),
      w("EXISTS both"),
      w("SREM s1 a b c"),
      w("EXISTS s1"),
      w("SMOVE s2 s3 d"),
      w("SCARD s3"),
    ],
  },
  "sorted sets": {
    seed: [w("ZADD z 1 a 2 b 3 c"), w("ZADD y 5 a")],
    script: [
      w("ZRANGE z 0 -1 WITHSCORES"),
      w("ZADD z XX GT CH 5 a 0 b"),
      w("ZRANGE z (1 +inf BYSCORE LIMIT 0 2"),
      w("ZRANGE z 0 -1 REV"),
      w("ZSCORE z a"),
      w("ZINCRBY z 1.5 b"),
      w("ZUNIONSTORE u 2 z y WEIGHTS 1 2"),
      w("ZRANGE u 0 -1 WITHSCORES"),
      w("ZPOPMIN z"),
      w("ZRANK z c"),
      w("ZMSCORE z a c nope"),
    ],
  },
  streams: {
    seed: [w("XADD st 1-1 f v"), w("XADD st 2-1 f w")],
    script: [
      w("XLEN st"),
      w("XRANGE st - +"),
      w("XADD st 3-0 f x"),
      w("XGROUP CREATE st g 0"),
      w("XREADGROUP GROUP g c1 COUNT 2 STREAMS st >"),
      w("XACK st g 1-1"),
      w("XPENDING st g"),
      w("XREAD COUNT 1 STREAMS st 2-1"),
      w("XTRIM st MAXLEN 1"),
      w("XREVRANGE st + -"),
    ],
  },
  "bitmaps, HyperLogLog, geo": {
    seed: [w("SETBIT bits 7 1"), w("PFADD hll a b c"), w("GEOADD g 13.361389 38.115556 Palermo")],
    script: [
      w("GETBIT bits 7"),
      w("BITCOUNT bits"),
      w("SETBIT bits 0 1"),
      w("BITPOS bits 1"),
      w("BITOP AND out bits nothing"),
      w("EXISTS out"),
      w("PFCOUNT hll"),
      w("PFADD hll d"),
      w("GEOADD g 15.087269 37.502669 Catania"),
      w("GEODIST g Palermo Catania km"),
      w("GEOSEARCH g FROMMEMBER Palermo BYRADIUS 200 km ASC"),
    ],
  },
  "generic keyspace": {
    seed: [w("SET a 1"), w("RPUSH l 3 1 2"), w("SET gone x")],
    script: [
      w("TYPE l"),
      w("EXISTS a l gone nothing a"),
      w("RENAME a b"),
      w("EXISTS a"),
      w("COPY b c"),
      w("GET c"),
      w("OBJECT ENCODING l"),
      w("SORT l"),
      w("SORT l DESC STORE sorted"),
      w("LRANGE sorted 0 -1"),
      w("EXPIRE b 100000"),
      w("TTL b"),
      w("PERSIST b"),
      w("TTL b"),
      w("UNLINK gone nothing"),
      w("DEL b c"),
      w("TOUCH l b"),
    ],
  },
  scripts: {
    seed: [w("SET counter 41")],
    script: [
      ["EVAL", "return redis.call('INCR', KEYS[1])", "1", "counter"],
      ["EVAL", "return {KEYS[1], ARGV[1], 3.7}", "1", "k", "arg"],
      ["SCRIPT", "LOAD", "return redis.call('GET', KEYS[1])"],
      ["EVALSHA", "a42059b356c875f0717db19a51f6aaca9ae659ea", "1", "counter"],
      ["EVAL", "return redis.call('NOSUCH')", "0"],
      ["EVAL_RO", "return redis.call('GET', KEYS[1])", "1", "counter"],
    ],
  },
  "errors and unknown commands": {
    seed: [w("SET str v"), w("RPUSH list a")],
    script: [
      w("LPUSH str x"),
      w("INCR list"),
      w("GET"),
      w("SET k v EX notanumber"),
      w("NOSUCHCOMMAND a b"),
      w("ZADD z nan a"),
      w("OBJECT NOSUCH k"),
      w("ECHO still-here"),
      w("PING"),
    ],
  },
  "non-blocking use of blocking commands": {
    seed: [w("RPUSH q job1 job2"), w("ZADD pz 1 a")],
    script: [
      w("BLPOP q 1"),
      w("BRPOPLPUSH q done 1"),
      w("BLMOVE done q LEFT LEFT 1"),
      w("BZPOPMIN pz 1"),
      w("LRANGE q 0 -1"),
    ],
  },
};

async function run(port: number, seedPort: number, scenario: Scenario, protocol: 2 | 3) {
  await using seeder = await RawConnection.open(seedPort);
  await seeder.call(["FLUSHALL"], ...scenario.seed);
  await using conn = await RawConnection.open(port);
  if (protocol === 3) await conn.call(["HELLO", "3"]);
  return await conn.call(...scenario.script);
}

for (const [group, scenario] of Object.entries(SCENARIOS)) {
  integrationTest(
    `${group}: the same replies as Redis, in both modes, RESP2 and RESP3`,
    async () => {
      await using redis = await RedisServer.start();
      for (const withSource of [false, true]) {
        await using m = await Migration.start({ withSource });
        for (const protocol of [2, 3] as const) {
          if (withSource) {
            await using destination = await RawConnection.open(m.destination.port);
            await destination.call(["FLUSHALL"]);
          }
          const seedPort = withSource ? m.source.port : m.destination.port;
          const direct = await run(redis.port, redis.port, scenario, protocol);
          const viaProxy = await run(m.proxy.port, seedPort, scenario, protocol);
          assert.ok(direct.some((reply) => !reply.startsWith("-")), "the script does something");
          scenario.script.forEach((command, i) => {
            const mode = withSource ? "migration" : "plain";
            assert.equal(viaProxy[i], direct[i], `${mode}, RESP${protocol}: ${command.join(" ")}`);
          });
        }
      }
    },
  );
}
