import assert from "node:assert/strict";
import { RedisServer, sendCommands } from "../redis_process/mod.ts";
import { presenceTest } from "./reply_presence.ts";

async function reply(server: RedisServer, args: string[], protocol = 2): Promise<Uint8Array> {
  const replies = await sendCommands(server.hostname, server.port, [
    ["HELLO", `${protocol}`],
    args,
  ]);
  return replies[1];
}

// It starts a redis-server: skipped under a plain `deno test` without the permissions that
// takes (the project's `deno task test` grants them).
const canRunRedis = (["run", "net", "write"] as const).every((name) =>
  Deno.permissions.querySync({ name }).state === "granted"
);

Deno.test({
  name: "presence tests agree with a real redis-server, for present and missing keys",
  ignore: !canRunRedis,
}, async () => {
  await using server = await RedisServer.start();
  const setup = [
    ["SET", "string", "v"],
    ["SET", "empty", ""],
    ["HSET", "hash", "f", "v"],
    ["SADD", "set", "m"],
    ["RPUSH", "list", "e"],
    ["ZADD", "zset", "1", "m"],
  ];
  for (const command of setup) await reply(server, command);
  const cases: [string, string[]][] = [
    ["get", ["GET", "string"]],
    ["get", ["GET", "empty"]],
    ["dump", ["DUMP", "hash"]],
    ["object|encoding", ["OBJECT", "ENCODING", "list"]],
    ["type", ["TYPE", "zset"]],
    ["ttl", ["TTL", "string"]],
    ["pttl", ["PTTL", "string"]],
    ["expiretime", ["EXPIRETIME", "string"]],
    ["pexpiretime", ["PEXPIRETIME", "string"]],
    ["hgetall", ["HGETALL", "hash"]],
    ["hkeys", ["HKEYS", "hash"]],
    ["hvals", ["HVALS", "hash"]],
    ["smembers", ["SMEMBERS", "set"]],
    ["hlen", ["HLEN", "hash"]],
    ["scard", ["SCARD", "set"]],
    ["llen", ["LLEN", "list"]],
    ["zcard", ["ZCARD", "zset"]],
    ["exists", ["EXISTS", "string"]],
    ["get", ["GET", "hash"]],
  ];
  for (const protocol of [2, 3]) {
    for (const [name, args] of cases) {
      const test = presenceTest(name);
      assert.ok(test, name);
      const shown = `${args.join(" ")} in RESP${protocol}`;
      assert.equal(test(await reply(server, args, protocol)), true, `${shown} on an existing key`);
      const missing = [...args.slice(0, -1), "no-such-key"];
      assert.equal(test(await reply(server, missing, protocol)), false, `${missing.join(" ")}`);
    }
  }
  assert.equal(presenceTest("hget"), undefined, "HGET's nil may be a missing field");
  assert.equal(presenceTest("strlen"), undefined, "STRLEN's 0 may be an empty string");
});
