/**
 * RESP3 clients (HELLO 3) get RESP3 replies, maps, sets, doubles, nulls, booleans, byte for
 * byte as Redis sends them, also for keys the migration proxy reads from the source.
 */
import assert from "node:assert/strict";
import { createClient } from "redis";
import { integrationTest } from "./_util/integration.ts";
import { Migration } from "./_util/proxy.ts";
import { RawConnection } from "./_util/raw_connection.ts";
import { RedisServer } from "./_util/redis.ts";

const SEED: string[][] = [
  ["HSET", "h", "f1", "v1", "f2", "v2"],
  ["SADD", "s", "m"],
  ["ZADD", "z", "1.5", "a", "2", "b"],
  ["SET", "str", "value"],
  ["RPUSH", "l", "x", "y"],
];

const SCRIPT: string[][] = [
  ["HGETALL", "h"],
  ["SMEMBERS", "s"],
  ["ZSCORE", "z", "a"],
  ["ZRANGE", "z", "0", "-1", "WITHSCORES"],
  ["GET", "missing"],
  ["GET", "str"],
  ["HGETALL", "missing"],
  ["LPOS", "l", "nope"],
  ["EVAL", "return redis.setresp(3) and {double=3.25}", "0"],
  ["EVAL", "redis.setresp(3); return true", "0"],
  ["CONFIG", "GET", "maxmemory"],
  ["HRANDFIELD", "h", "-5", "WITHVALUES"],
];

async function run(port: number, seedPort: number): Promise<string[]> {
  await using seeder = await RawConnection.open(seedPort);
  await seeder.call(...SEED);
  await using conn = await RawConnection.open(port);
  const [hello] = await conn.call(["HELLO", "3"]);
  assert.match(hello, /^%7\r\n/, "HELLO 3 answers with a map");
  // HRANDFIELD's picks are random: only the shape of its reply is compared.
  return (await conn.call(...SCRIPT)).map((frame, i) =>
    SCRIPT[i][0] === "HRANDFIELD" ? frame.slice(0, frame.indexOf("\r\n")) : frame
  );
}

for (const withSource of [false, true]) {
  const mode = withSource ? "migration, data on the source" : "plain";
  integrationTest(`${mode}: RESP3 replies are Redis's own`, async () => {
    await using m = await Migration.start({ withSource });
    await using redis = await RedisServer.start();
    const seedPort = withSource ? m.source.port : m.destination.port;
    const viaProxy = await run(m.proxy.port, seedPort);
    const direct = await run(redis.port, redis.port);
    assert.deepEqual(viaProxy, direct);
    assert.ok(direct[0].startsWith("%2\r\n") && direct[1].startsWith("~1\r\n"));
    assert.equal(direct[2], ",1.5\r\n");
    assert.equal(direct[4], "_\r\n");
  });
}

integrationTest("node-redis with RESP3 works through the migration proxy", async () => {
  await using m = await Migration.start();
  await using src = m.sourceClient();
  await src.hset("user:1", { name: "ada", born: "1815" });
  await src.zadd("scores", 9.5, "ada");
  const client = createClient({ socket: { host: "127.0.0.1", port: m.proxy.port }, RESP: 3 });
  client.on("error", () => {});
  await client.connect();
  try {
    assert.deepEqual({ ...await client.hGetAll("user:1") }, { name: "ada", born: "1815" });
    assert.equal(await client.zScore("scores", "ada"), 9.5);
    await client.set("k", "v");
    assert.equal(await client.get("k"), "v");
    assert.equal(await client.get("nothing"), null);
    const results = await client.multi().incr("n").hGetAll("user:1").exec();
    assert.equal(results[0], 1);
    assert.deepEqual({ ...results[1] as unknown as object }, { name: "ada", born: "1815" });
  } finally {
    await client.close();
  }
});

integrationTest(
  "migration, RESP3: EXISTS, TYPE and DBSIZE pipelined after writes see them",
  async () => {
    await using m = await Migration.start();
    await using conn = await RawConnection.open(m.proxy.port);
    await conn.call(["HELLO", "3"]);
    const commands: string[][] = [];
    for (let i = 0; i < 300; i++) {
      commands.push(["SET", `w:${i}`, "v"], ["EXISTS", `w:${i}`], ["TYPE", `w:${i}`]);
    }
    commands.push(["DBSIZE"]);
    const replies = await conn.call(...commands);
    for (let i = 0; i < 300; i++) {
      assert.deepEqual(replies.slice(3 * i, 3 * i + 3), ["+OK\r\n", ":1\r\n", "+string\r\n"]);
    }
    assert.equal(replies.at(-1), ":300\r\n");
  },
);
