/**
 * Pub/sub and MONITOR through the proxy. The byte-exact scripts run against the proxy (plain
 * and migration mode) and against Redis itself; every frame must be the same.
 */
import assert from "node:assert/strict";
import { integrationTest } from "./_util/integration.ts";
import { Migration } from "./_util/proxy.ts";
import { RawConnection } from "./_util/raw_connection.ts";
import { RedisServer } from "./_util/redis.ts";
import { waitFor } from "./_util/redis.ts";

/** Waits until `count` clients are subscribed to `channel` (as PUBSUB NUMSUB tells). */
async function subscribed(conn: RawConnection, channel: string, count: number): Promise<void> {
  const expected = `*2\r\n$${channel.length}\r\n${channel}\r\n:${count}\r\n`;
  await waitFor(async () => (await conn.call(["PUBSUB", "NUMSUB", channel]))[0] === expected, {
    message: `${count} subscribers of ${channel}`,
  });
}

/** A RESP2 subscriber session: every frame it and its publisher receive, in order. */
async function resp2Script(port: number): Promise<string[]> {
  await using sub = await RawConnection.open(port);
  await using pub = await RawConnection.open(port);
  const frames: string[] = [];
  frames.push(...await sub.call(["SUBSCRIBE", "a", "b", "a"]));
  frames.push(...await sub.read(2));
  frames.push(...await sub.call(["PSUBSCRIBE", "news.*"]));
  frames.push(
    ...await sub.call(["GET", "x"], ["PING"], ["PING", "hi"], ["NOSUCH"], ["PING", "a", "b"]),
  );
  await subscribed(pub, "a", 1);
  frames.push(...await pub.call(["PUBLISH", "a", "hello"], ["PUBLISH", "news.x", "extra"]));
  frames.push(...await sub.read(2));
  frames.push(...await pub.call(["PUBSUB", "NUMSUB", "a", "b", "c"], ["PUBSUB", "NUMPAT"]));
  frames.push(...await sub.call(["UNSUBSCRIBE", "a", "b"]));
  frames.push(...await sub.read(1));
  frames.push(...await sub.call(["PUNSUBSCRIBE"]));
  // Nothing subscribed: an ordinary client again.
  frames.push(...await sub.call(["GET", "x"], ["UNSUBSCRIBE"], ["PUNSUBSCRIBE", "p", "q"]));
  frames.push(...await sub.read(1));
  frames.push(...await sub.call(["SSUBSCRIBE", "shard"]));
  await waitFor(
    async () => (await pub.call(["PUBSUB", "SHARDNUMSUB", "shard"]))[0].endsWith(":1\r\n"),
    { message: "the shard subscriber" },
  );
  frames.push(...await pub.call(["SPUBLISH", "shard", "sm"]));
  frames.push(...await sub.read(1));
  frames.push(...await sub.call(["SUNSUBSCRIBE", "shard"], ["RESET"], ["GET", "x"]));
  return frames;
}

/** The same in RESP3, where a subscribed client may run any command. */
async function resp3Script(port: number): Promise<string[]> {
  await using sub = await RawConnection.open(port);
  await using pub = await RawConnection.open(port);
  // HELLO's reply names the server's version and the connection id: not compared.
  await sub.call(["HELLO", "3"]);
  const frames: string[] = [];
  frames.push(...await sub.call(["SUBSCRIBE", "a"], ["SET", "x", "1"], ["GET", "x"]));
  frames.push(...await sub.call(["HGETALL", "nothing"], ["PING"]));
  await subscribed(pub, "a", 1);
  frames.push(...await pub.call(["PUBLISH", "a", "m1"]));
  frames.push(...await sub.read(1));
  frames.push(...await sub.call(["UNSUBSCRIBE"], ["GET", "x"]));
  return frames;
}

for (const withSource of [false, true]) {
  const mode = withSource ? "migration" : "plain";

  integrationTest(`${mode}: RESP2 pub/sub frames are exactly Redis's`, async () => {
    await using m = await Migration.start({ withSource });
    await using redis = await RedisServer.start();
    const [viaProxy, direct] = [await resp2Script(m.proxy.port), await resp2Script(redis.port)];
    assert.deepEqual(viaProxy, direct);
    assert.ok(direct.some((f) => f.includes("Can't execute 'get'")), "subscribed mode enforced");
  });

  integrationTest(`${mode}: RESP3 subscribers get push frames and can run commands`, async () => {
    await using m = await Migration.start({ withSource });
    await using redis = await RedisServer.start();
    const [viaProxy, direct] = [await resp3Script(m.proxy.port), await resp3Script(redis.port)];
    assert.deepEqual(viaProxy, direct);
    assert.ok(direct.some((f) => f.startsWith(">3\r\n$7\r\nmessage")), "message as a push");
  });
}

integrationTest("ioredis subscribers receive messages published by other clients", async () => {
  await using m = await Migration.start();
  await using sub = m.client();
  await using pub = m.client();
  const received: string[] = [];
  sub.on("message", (channel: string, message: string) => received.push(`${channel}:${message}`));
  sub.on("pmessage", (_p: string, channel: string, message: string) => {
    received.push(`p ${channel}:${message}`);
  });
  assert.equal(await sub.subscribe("orders", "users"), 2);
  assert.equal(await sub.psubscribe("log.*"), 3);
  for (let i = 0; i < 100; i++) await pub.publish("orders", `o${i}`);
  await pub.publish("log.error", "boom");
  await waitFor(() => received.length === 101, { message: "101 messages" });
  assert.deepEqual(received.slice(0, 3), ["orders:o0", "orders:o1", "orders:o2"]);
  assert.equal(received[100], "p log.error:boom");
  // Named: ioredis's argument-less UNSUBSCRIBE never resolves while patterns remain, against
  // Redis itself too.
  await sub.unsubscribe("orders", "users");
  await sub.punsubscribe("log.*");
  assert.equal(await sub.get("x"), null, "a normal client again");
});

integrationTest("a subscriber is cut off when its upstream connection dies", async () => {
  await using m = await Migration.start({ withSource: false });
  await using sub = await RawConnection.open(m.proxy.port);
  await using admin = await RawConnection.open(m.destination.port);
  await sub.call(["SUBSCRIBE", "a"]);
  await admin.call(["CLIENT", "KILL", "TYPE", "pubsub"]);
  await assert.rejects(sub.read(1), /connection closed/, "the client must resubscribe");
});

integrationTest("MONITOR streams the server's commands to the client", async () => {
  await using m = await Migration.start({ withSource: false });
  await using monitor = await RawConnection.open(m.proxy.port);
  await using client = await RawConnection.open(m.proxy.port);
  assert.deepEqual(await monitor.call(["MONITOR"]), ["+OK\r\n"]);
  await client.call(["SET", "watched-key", "v"]);
  let line = "";
  while (!line.includes("watched-key")) [line] = await monitor.read(1);
  assert.match(line, /^\+\d+\.\d+ \[\d+ [^\]]+\] "SET" "watched-key" "v"\r\n$/);
  assert.deepEqual(await monitor.call(["RESET"]), ["+RESET\r\n"]);
});

integrationTest("RESET ends subscriptions and transactions and restores the defaults", async () => {
  await using m = await Migration.start({ withSource: false });
  await using conn = await RawConnection.open(m.proxy.port);
  await conn.call(["SELECT", "2"], ["SET", "k", "db2"], ["CLIENT", "SETNAME", "me"]);
  await conn.call(["MULTI"], ["SET", "k", "queued"]);
  await conn.call(["SUBSCRIBE", "a"]);
  assert.deepEqual(await conn.call(["RESET"]), ["+RESET\r\n"]);
  assert.deepEqual(
    await conn.call(["GET", "k"], ["EXEC"], ["CLIENT", "GETNAME"]),
    ["$-1\r\n", "-ERR EXEC without MULTI\r\n", "$-1\r\n"],
  );
  await conn.call(["SELECT", "2"]);
  assert.deepEqual(await conn.call(["GET", "k"]), ["$3\r\ndb2\r\n"], "the MULTI never ran");
});

integrationTest("a subscriber that does not read its messages is disconnected", async () => {
  await using m = await Migration.start({ withSource: false });
  await using sub = await RawConnection.open(m.proxy.port);
  await using pub = await RawConnection.open(m.proxy.port);
  await sub.call(["SUBSCRIBE", "firehose"]);
  const message = "x".repeat(1024 * 1024);
  // Past the 32 MB limit even after what the sockets buffer; sub never reads.
  for (let i = 0; i < 80; i++) await pub.call(["PUBLISH", "firehose", message]);
  await waitFor(
    async () => (await pub.call(["PUBSUB", "NUMSUB", "firehose"]))[0].endsWith(":0\r\n"),
    {
      message: "the slow subscriber dropped",
    },
  );
  assert.equal(m.proxy.server.clientCount, 1, "only the publisher is left");
});
