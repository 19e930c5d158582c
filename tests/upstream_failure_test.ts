import assert from "node:assert/strict";
import { integrationTest } from "./_util/integration.ts";
import { Migration } from "./_util/proxy.ts";
import { RawConnection } from "./_util/raw_connection.ts";
import { waitFor } from "./_util/redis.ts";

integrationTest("a dead destination gives a clear error, and the proxy recovers", async () => {
  await using m = await Migration.start();
  await using client = m.client();
  await client.set("k", "v");
  await m.destination.stop();
  await assert.rejects(client.get("k"), /ERR upstream destination unavailable: /);
  assert.equal(await client.ping(), "PONG", "the proxy itself keeps answering");
  await m.destination.restart();
  await waitFor(async () => {
    try {
      return (await client.set("k", "back")) === "OK";
    } catch {
      return false;
    }
  }, { message: "destination never came back" });
  assert.equal(await client.get("k"), "back");
  assert.ok(await m.metric("remiro_upstream_errors_total") >= 1);
});

integrationTest("a dead source fails only the commands that need it", async () => {
  await using m = await Migration.start();
  await using dst = m.destinationClient();
  await using client = m.client();
  await dst.set("migrated", "here");
  await m.source.stop();
  assert.equal(await client.get("migrated"), "here", "keys on the destination still work");
  assert.equal(await client.set("fresh", "v"), "OK", "plain writes still work");
  await assert.rejects(client.get("unknown"), /ERR upstream source unavailable: /);
  await assert.rejects(client.del("migrated"), /ERR upstream source unavailable: /);
  await m.source.restart();
  await waitFor(async () => {
    try {
      return (await client.get("unknown")) === null;
    } catch {
      return false;
    }
  }, { message: "source never came back" });
});

integrationTest("a client that disconnects mid-pipeline does not disturb others", async () => {
  await using m = await Migration.start();
  await using other = m.client();
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: m.proxy.port });
  const many = "*2\r\n$3\r\nGET\r\n$1\r\nx\r\n".repeat(5000);
  await conn.write(new TextEncoder().encode(many));
  conn.close();
  for (let i = 0; i < 100; i++) assert.equal(await other.incr("counter"), i + 1);
});

integrationTest(
  "a transaction against a dead destination fails whole and queues nothing",
  async () => {
    await using m = await Migration.start({ withSource: false });
    await using conn = await RawConnection.open(m.proxy.port);
    await m.destination.stop();
    const replies = await conn.call(["MULTI"], ["SET", "k", "v"], ["EXEC"], ["PING"]);
    assert.match(replies[0], /^-ERR upstream destination unavailable/);
    assert.match(replies[1], /^-ERR upstream destination unavailable/, "not queued, not run");
    assert.equal(replies[2], "-ERR EXEC without MULTI\r\n");
    assert.equal(replies[3], "+PONG\r\n");
  },
);
