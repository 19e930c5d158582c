import assert from "node:assert/strict";
import { FakeServer } from "../../tests/_util/fake_server.ts";
import { freePort, RedisServer, waitFor } from "../../tests/_util/redis.ts";
import { NotificationFeed } from "./notification_feed.ts";
import { parseRedisUri } from "./redis_uri.ts";

/** Waits until the server at `port` has no pattern subscription left (PUBSUB NUMPAT 0). */
async function noPatternSubscriptions(port: number): Promise<void> {
  const probe = await Deno.connect({ hostname: "127.0.0.1", port });
  const numpat = new TextEncoder().encode("*2\r\n$6\r\nPUBSUB\r\n$6\r\nNUMPAT\r\n");
  const reply = new Uint8Array(64);
  try {
    await waitFor(async () => {
      await probe.write(numpat);
      const n = await probe.read(reply);
      return new TextDecoder().decode(reply.subarray(0, n ?? 0)) === ":0\r\n";
    }, { message: "a pattern subscription was left open" });
  } finally {
    probe.close();
  }
}

Deno.test("NotificationFeed delivers the keys that change on the source", async () => {
  await using server = await RedisServer.start({ args: ["--notify-keyspace-events", "KA"] });
  const feed = new NotificationFeed(parseRedisUri(`redis://127.0.0.1:${server.port}/0`));
  await feed.start();
  const client = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
  await client.write(new TextEncoder().encode("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n"));
  const keys = await feed.take(10);
  assert.deepEqual(keys.map((key) => new TextDecoder().decode(key)), ["k"]);
  // Closed while its read is pending: the read is cut short, and that is not a lost feed.
  feed.close();
  assert.equal(feed.lost, false);
  client.close();
});

Deno.test("NotificationFeed: a close while start() waits is the end of it, not an error", async () => {
  // A source that accepts and never confirms the subscription.
  await using silent = FakeServer.start();
  const feed = new NotificationFeed(parseRedisUri(`redis://${silent.addr}/0`));
  const starting = feed.start();
  await waitFor(() => silent.accepted === 1);
  feed.close();
  await starting;

  // Closed while connecting: no subscription is left behind on the server.
  await using server = await RedisServer.start({ args: ["--notify-keyspace-events", "KA"] });
  const stopped = new NotificationFeed(parseRedisUri(`redis://127.0.0.1:${server.port}/0`));
  const connecting = stopped.start();
  stopped.close();
  await connecting;
  await noPatternSubscriptions(server.port);
});

Deno.test("NotificationFeed: when one source fails, the others' subscriptions are closed", async () => {
  await using server = await RedisServer.start({ args: ["--notify-keyspace-events", "KA"] });
  const unreachable = parseRedisUri(`redis://127.0.0.1:${freePort()}/0`);
  const feed = new NotificationFeed([
    parseRedisUri(`redis://127.0.0.1:${server.port}/0`),
    unreachable,
  ]);
  await assert.rejects(feed.start(), Deno.errors.ConnectionRefused);
  await noPatternSubscriptions(server.port);
});
