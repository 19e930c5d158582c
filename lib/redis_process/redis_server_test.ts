import assert from "node:assert/strict";
import { rawCommand } from "./raw_command.ts";
import { redisServerAvailable, RedisServer } from "./redis_server.ts";

Deno.test("RedisServer starts, restarts on the same port and stops", async () => {
  assert.equal(await redisServerAvailable(), true);
  assert.equal(await redisServerAvailable("no-such-redis-binary"), false);
  await using redis = await RedisServer.start({ password: "pw" });
  assert.deepEqual(await rawCommand(redis.hostname, redis.port, ["SET", "k", "v"], "pw"), {
    type: "simple",
    value: "OK",
  });
  const noauth = await rawCommand(redis.hostname, redis.port, ["GET", "k"]);
  assert.equal(noauth.type, "error");
  const port = redis.port;
  await redis.restart();
  assert.equal(redis.port, port);
  assert.deepEqual(await rawCommand(redis.hostname, port, ["EXISTS", "k"], "pw"), {
    type: "integer",
    value: 0,
  });
  await redis.stop();
  await assert.rejects(rawCommand(redis.hostname, port, ["PING"]));
  await redis.stop();
});

Deno.test("RedisServer reports a server that cannot start", async () => {
  await assert.rejects(
    RedisServer.start({ args: ["--no-such-option", "1"] }),
    /exited at start/,
  );
});
