import assert from "node:assert/strict";
import { rawCommand } from "./raw_command.ts";
import { REDIS_INSTALL_HINT, RedisServer, redisServerAvailable } from "./redis_server.ts";

Deno.test("redisServerAvailable tells whether the binary runs", async () => {
  assert.equal(await redisServerAvailable(), true);
  assert.equal(await redisServerAvailable("no-such-redis-binary"), false);
});

Deno.test("RedisServer answers PING and stops when disposed", async () => {
  let port: number;
  {
    await using redis = await RedisServer.start();
    port = redis.port;
    assert.equal(redis.addr, `127.0.0.1:${port}`);
    assert.equal(await rawCommand(redis.hostname, port, ["PING"]), "+PONG\r\n");
  }
  await assert.rejects(rawCommand("127.0.0.1", port, ["PING"]));
});

Deno.test("RedisServer restarts empty on the same port", async () => {
  await using redis = await RedisServer.start({ args: ["--maxmemory", "10mb"] });
  const port = redis.port;
  assert.equal(await rawCommand(redis.hostname, port, ["SET", "k", "v"]), "+OK\r\n");
  await redis.restart();
  assert.equal(redis.port, port);
  assert.equal(await rawCommand(redis.hostname, port, ["EXISTS", "k"]), ":0\r\n");
  assert.match(await rawCommand(redis.hostname, port, ["CONFIG", "GET", "maxmemory"]), /10485760/);
});

Deno.test("RedisServer.stop is idempotent, also when called concurrently", async () => {
  const redis = await RedisServer.start();
  await Promise.all([redis.stop(), redis.stop()]);
  await redis.stop();
  await assert.rejects(rawCommand(redis.hostname, redis.port, ["PING"]));
});

Deno.test("RedisServer with a password requires it", async () => {
  await using redis = await RedisServer.start({ password: "pw" });
  assert.match(await rawCommand(redis.hostname, redis.port, ["GET", "k"]), /^-NOAUTH/);
  assert.equal(await rawCommand(redis.hostname, redis.port, ["SET", "k", "v"], "pw"), "+OK\r\n");
  assert.equal(await rawCommand(redis.hostname, redis.port, ["GET", "k"], "pw"), "$1\r\nv\r\n");
  await assert.rejects(rawCommand(redis.hostname, redis.port, ["PING"], "wrong"), /AUTH/);
});

Deno.test("RedisServer reports a server that cannot start, with its output", async () => {
  await assert.rejects(
    RedisServer.start({ args: ["--no-such-option", "1"] }),
    /exited at start:[\s\S]*no-such-option/,
  );
});

Deno.test("RedisServer refuses a port another server holds", async () => {
  await using first = await RedisServer.start();
  await assert.rejects(RedisServer.start({ port: first.port }), /exited at start/);
  assert.equal(await rawCommand(first.hostname, first.port, ["PING"]), "+PONG\r\n");
});

Deno.test("RedisServer explains how to install a missing binary", async () => {
  await assert.rejects(
    RedisServer.start({ binary: "no-such-redis-binary" }),
    (error: Error) => error.message === REDIS_INSTALL_HINT,
  );
});
