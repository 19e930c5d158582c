import assert from "node:assert/strict";
import { rawCommand, replyEnd } from "./raw_command.ts";
import { RedisServer } from "./redis_server.ts";

const bytes = (text: string) => new TextEncoder().encode(text);

Deno.test("replyEnd finds where one reply ends, or -1 when it is incomplete", () => {
  for (const reply of ["+OK\r\n", "-ERR x\r\n", ":12\r\n", "$-1\r\n", "*-1\r\n", "*0\r\n"]) {
    assert.equal(replyEnd(bytes(reply + "+next\r\n")), reply.length, reply);
  }
  assert.equal(replyEnd(bytes("$3\r\nabc\r\n")), 9);
  assert.equal(replyEnd(bytes("$3\r\nab")), -1);
  assert.equal(replyEnd(bytes("+OK\r")), -1);
  const nested = "*2\r\n$1\r\na\r\n*1\r\n:1\r\n";
  assert.equal(replyEnd(bytes(nested + "+next\r\n")), nested.length);
  assert.equal(replyEnd(bytes("*2\r\n$1\r\na\r\n")), -1);
  assert.equal(replyEnd(bytes("%1\r\n+a\r\n:1\r\n")), "%1\r\n+a\r\n:1\r\n".length);
  // Lengths count bytes, not characters.
  assert.equal(replyEnd(bytes("$2\r\né\r\n")), 8);
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
