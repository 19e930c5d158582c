import assert from "node:assert/strict";
import { ioredisClient, redisCli } from "./clients.ts";
import { RedisServer, waitFor } from "./redis.ts";

Deno.test({
  name: "ioredisClient talks to a RedisServer and disposes cleanly",
  async fn() {
    await using redis = await RedisServer.start();
    {
      await using client = ioredisClient(redis.port, { db: 2 });
      assert.equal(await client.set("k", "v"), "OK");
      assert.equal(await client.get("k"), "v");
    }
    await using other = ioredisClient(redis.port);
    assert.equal(await other.get("k"), null);
  },
});

Deno.test("ioredisClient can authenticate later, and fails fast on a stopped server", async () => {
  await using redis = await RedisServer.start({ password: "pw" });
  await using client = ioredisClient(redis.port, { password: "pw" });
  assert.equal(await client.ping(), "PONG");
  await using anonymous = ioredisClient(redis.port);
  await assert.rejects(anonymous.get("k"), /NOAUTH/);
  assert.equal(await anonymous.call("AUTH", "pw"), "OK");
  await redis.stop();
  await assert.rejects(client.get("k"));
});

Deno.test("redisCli runs commands, with a password and from stdin", async () => {
  await using redis = await RedisServer.start({ password: "pw" });
  const ping = await redisCli(redis.port, ["PING"], { password: "pw" });
  assert.deepEqual(ping, { code: 0, stdout: "PONG\n", stderr: "" });
  const piped = await redisCli(redis.port, ["-x", "SET", "k"], { password: "pw", stdin: "v" });
  assert.equal(piped.stdout.trim(), "OK");
  const get = await redisCli(redis.port, [], { password: "pw", stdin: "GET k\n" });
  assert.equal(get.stdout.trim(), "v");
  const denied = await redisCli(redis.port, ["GET", "k"]);
  assert.match(denied.stdout, /NOAUTH/);
});

Deno.test("waitFor resolves once the condition holds", async () => {
  let calls = 0;
  await waitFor(() => ++calls === 3, { intervalMs: 1 });
  assert.equal(calls, 3);
  await waitFor(() => Promise.resolve(true));
});

Deno.test("waitFor times out with the message and how long it waited", async () => {
  await assert.rejects(
    waitFor(() => false, { timeoutMs: 50, message: "never true" }),
    /^Error: never true \(waited \d+ ms\)$/,
  );
  await assert.rejects(
    waitFor(() => {
      throw new Error("boom");
    }, { timeoutMs: 50, message: "throws" }),
    /throws \(waited \d+ ms; last error: boom\)/,
  );
  await assert.rejects(
    waitFor(() => new Promise(() => {}), { timeoutMs: 50, message: "hangs" }),
    /hangs \(waited \d+ ms\)/,
  );
});
