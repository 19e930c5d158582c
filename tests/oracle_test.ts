/**
 * Redis as the oracle: the same seeded random commands run through the migration proxy (data
 * split between source and destination, some keys with stale source copies) and against one
 * redis-server holding the data as clients should see it. Every reply must be the same.
 */
import assert from "node:assert/strict";
import type { Redis } from "ioredis";
import { integrationTest } from "./_util/integration.ts";
import { ioredisClient } from "./_util/clients.ts";
import { Migration } from "./_util/proxy.ts";
import { RedisServer } from "./_util/redis.ts";

type Command = (string | number)[];

/** A small deterministic PRNG (mulberry32), so a failure names a seed that replays it. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const STRINGS = ["s0", "s1", "s2", "s3", "s4", "s5"];
const COUNTERS = ["n0", "n1", "n2"];
const LISTS = ["l0", "l1", "l2"];
const HASHES = ["h0", "h1", "h2"];
const SETS = ["z0", "z1", "z2"];

function initialValue(key: string, version: string): Command {
  switch (key[0]) {
    case "s":
      return ["SET", key, `${key}-${version}`];
    case "n":
      return ["SET", key, version === "old" ? "10" : "20"];
    case "l":
      return ["RPUSH", key, `${version}-a`, `${version}-b`];
    case "h":
      return ["HSET", key, "f", version, "g", `${version}-g`];
    default:
      return ["SADD", key, `${version}-x`, `${version}-y`];
  }
}

function nextCommand(next: () => number): Command {
  const pick = <T>(items: T[]) => items[Math.floor(next() * items.length)];
  const s = pick(STRINGS);
  const value = `v${Math.floor(next() * 1000)}`;
  const generators: (() => Command)[] = [
    () => ["GET", s],
    () => ["GET", s],
    () => ["SET", s, value],
    () => ["SET", s, value, "NX"],
    () => ["SET", s, value, "GET"],
    () => ["APPEND", s, "+"],
    () => ["STRLEN", s],
    () => ["GETDEL", s],
    () => ["DEL", pick(STRINGS), pick(HASHES)],
    () => ["UNLINK", s],
    () => ["EXISTS", pick(STRINGS), pick(LISTS), pick(SETS)],
    () => ["MGET", pick(STRINGS), pick(STRINGS)],
    () => ["MSET", pick(STRINGS), value, pick(STRINGS), value],
    () => ["EXPIRE", s, 1000],
    () => ["PERSIST", s],
    () => ["TYPE", pick([...STRINGS, ...LISTS, ...HASHES])],
    () => ["INCR", pick(COUNTERS)],
    () => ["INCRBY", pick(COUNTERS), 5],
    () => ["LPUSH", pick(LISTS), value],
    () => ["LPOP", pick(LISTS)],
    () => ["LRANGE", pick(LISTS), 0, -1],
    () => ["LLEN", pick(LISTS)],
    () => ["HSET", pick(HASHES), pick(["f", "g", "h"]), value],
    () => ["HGET", pick(HASHES), pick(["f", "g", "h"])],
    () => ["HDEL", pick(HASHES), pick(["f", "g"])],
    () => ["HGETALL", pick(HASHES)],
    () => ["SADD", pick(SETS), value],
    () => ["SREM", pick(SETS), "old-x", "new-x"],
    () => ["SCARD", pick(SETS)],
    () => ["SMEMBERS", pick(SETS)],
    () => ["SUNIONSTORE", pick(SETS), pick(SETS), pick(SETS)],
    () => ["RENAME", pick(STRINGS), pick(STRINGS)],
    () => ["COPY", pick(STRINGS), pick(STRINGS)],
    () => ["LPUSH", s, "x"],
  ];
  return pick(generators)();
}

async function run(client: Redis, command: Command): Promise<unknown> {
  try {
    const reply = await client.call(String(command[0]), ...command.slice(1));
    // Set members come in no particular order; TTLs tick between the two servers.
    if (command[0] === "SMEMBERS" && Array.isArray(reply)) return [...reply].sort();
    return reply;
  } catch (error) {
    return `error: ${(error as Error).message}`;
  }
}

async function compare(seed: number, options: { deleteOnGet: boolean; deleteOnSet: boolean }) {
  await using m = await Migration.start(options);
  await using oracle = await RedisServer.start();
  await using src = m.sourceClient();
  await using dst = m.destinationClient();
  await using truth = ioredisClient(oracle.port);
  await using client = m.client();
  const next = random(seed);
  // Each key starts absent, on the source only, on the destination only, or on both with the
  // destination newer (a key migrated earlier whose source copy is stale).
  for (const key of [...STRINGS, ...COUNTERS, ...LISTS, ...HASHES, ...SETS]) {
    const where = Math.floor(next() * 4);
    if (where === 1 || where === 3) await run(src, initialValue(key, "old"));
    if (where === 2 || where === 3) await run(dst, initialValue(key, "new"));
    if (where === 1) await run(truth, initialValue(key, "old"));
    if (where >= 2) await run(truth, initialValue(key, "new"));
  }
  const history: string[] = [];
  for (let i = 0; i < 300; i++) {
    const command = nextCommand(next);
    history.push(command.join(" "));
    const [viaProxy, expected] = [await run(client, command), await run(truth, command)];
    assert.deepEqual(
      viaProxy,
      expected,
      `seed ${seed} ${JSON.stringify(options)}, command ${i}: ${command.join(" ")}\n` +
        `after:\n  ${history.slice(-8, -1).join("\n  ")}`,
    );
  }
}

for (
  const [deleteOnGet, deleteOnSet] of [[false, false], [true, false], [false, true], [true, true]]
) {
  integrationTest(
    `the proxy answers like one Redis (DeleteOnGet=${deleteOnGet}, DeleteOnSet=${deleteOnSet})`,
    async () => {
      for (const seed of [1, 2, 3]) await compare(seed * 7919, { deleteOnGet, deleteOnSet });
    },
  );
}
