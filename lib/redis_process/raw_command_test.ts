import assert from "node:assert/strict";
import { rawCommand, sendCommands } from "./raw_command.ts";
import { RedisServer } from "./redis_server.ts";

Deno.test("sendCommands pipelines commands and returns each reply frame", async () => {
  await using redis = await RedisServer.start();
  const frames = await sendCommands(redis.hostname, redis.port, [
    ["SET", "k", "v"],
    ["GET", "k"],
    ["LPUSH", "k", "x"],
  ]);
  assert.deepEqual(frames.map((f) => new TextDecoder().decode(f)), [
    "+OK\r\n",
    "$1\r\nv\r\n",
    "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
  ]);
});

Deno.test("rawCommand returns the raw reply, however it is split", async () => {
  await using redis = await RedisServer.start();
  const value = "x".repeat(100_000);
  assert.equal(await rawCommand(redis.hostname, redis.port, ["SET", "k", value]), "+OK\r\n");
  assert.equal(
    await rawCommand(redis.hostname, redis.port, ["GET", "k"]),
    `$100000\r\n${value}\r\n`,
  );
  assert.equal(await rawCommand(redis.hostname, redis.port, ["GET", "none"]), "$-1\r\n");
  assert.equal(
    await rawCommand(redis.hostname, redis.port, ["MGET", "k", "none"]),
    `*2\r\n$100000\r\n${value}\r\n$-1\r\n`,
  );
  assert.match(await rawCommand(redis.hostname, redis.port, ["NOSUCH"]), /^-ERR unknown/);
});
