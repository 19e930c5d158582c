import assert from "node:assert/strict";
import { type Config, DEFAULT_CLIENT_LIMITS } from "../lib/config/mod.ts";
import { localServerConfig, type RunningProxy, startProxy } from "../lib/cli/mod.ts";
import { LIMIT_NAMES } from "../lib/http/mod.ts";
import { encodeCommand } from "../lib/resp/mod.ts";
import { FakeServer } from "./_util/fake_server.ts";
import { integrationTest } from "./_util/integration.ts";
import { RawConnection } from "./_util/raw_connection.ts";
import { RedisServer, waitFor } from "./_util/redis.ts";

const encoder = new TextEncoder();

/** A plain proxy to `destination` with some limits changed from their defaults. */
function proxyWith(
  destination: RedisServer | FakeServer,
  limits: Partial<Config["limits"]> = {},
  server: Partial<Config["destination"]> = {},
  password?: string,
): RunningProxy {
  const base = destination instanceof RedisServer ? localServerConfig(destination) : {
    addr: { hostname: "127.0.0.1", port: destination.port },
    addrText: destination.addr,
    db: 0,
    maxIdleConns: 10,
    idleTimeoutMs: 30_000,
  };
  const config: Config = {
    deleteOnGet: false,
    deleteOnSet: false,
    destination: { ...base, ...server },
    limits: { ...DEFAULT_CLIENT_LIMITS, ...limits },
  };
  if (password !== undefined) config.password = password;
  return startProxy(config, { host: "127.0.0.1", port: 0, instruPort: 0 });
}

async function limitCount(proxy: RunningProxy, limit: string): Promise<number> {
  const text = (await proxy.metrics.render()).body;
  const series = `remiro_limit_exceeded_total{limit="${limit}"} `;
  const line = text.split("\n").find((l) => l.startsWith(series));
  assert.ok(line, `no ${series}`);
  return Number(line.slice(series.length));
}

/** Everything the server sends until it closes the connection (or `timeoutMs` passes). */
async function readToClose(conn: Deno.Conn, timeoutMs = 5000): Promise<string> {
  const buffer = new Uint8Array(4096);
  let text = "";
  const timer = setTimeout(() => conn.close(), timeoutMs);
  try {
    while (true) {
      const n = await conn.read(buffer);
      if (n === null) return text;
      text += new TextDecoder().decode(buffer.subarray(0, n));
    }
  } catch {
    return text + "<no close>";
  } finally {
    clearTimeout(timer);
  }
}

async function rawSession(port: number, bytes: string): Promise<string> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  await conn.write(encoder.encode(bytes));
  return await readToClose(conn);
}

integrationTest("every limit has its series in /metrics from the start", async () => {
  await using redis = await RedisServer.start();
  await using proxy = proxyWith(redis);
  for (
    const limit of LIMIT_NAMES
  ) {
    assert.equal(await limitCount(proxy, limit), 0, limit);
  }
});

integrationTest("MaxClients refuses the extra client with Redis's error", async () => {
  await using redis = await RedisServer.start();
  await using proxy = proxyWith(redis, { maxClients: 3 });
  const held = await Promise.all([1, 2, 3].map(() => RawConnection.open(proxy.port)));
  for (const conn of held) assert.deepEqual(await conn.call(["PING"]), ["+PONG\r\n"]);
  assert.equal(
    await rawSession(proxy.port, ""),
    "-ERR max number of clients reached\r\n",
  );
  assert.equal(await limitCount(proxy, "maxclients"), 1);
  for (const [i, conn] of held.entries()) {
    assert.deepEqual(await conn.call(["INCR", "n"]), [`:${i + 1}\r\n`], "the others go on");
  }
  await held[0][Symbol.asyncDispose]();
  await waitFor(() => proxy.server.clientCount === 2);
  await using again = await RawConnection.open(proxy.port);
  assert.deepEqual(await again.call(["PING"]), ["+PONG\r\n"], "a freed place is taken again");
  for (const conn of held.slice(1)) await conn[Symbol.asyncDispose]();
});

integrationTest("a reload applies MaxClients and Timeout to connected clients", async () => {
  await using redis = await RedisServer.start();
  await using proxy = proxyWith(redis);
  await using first = await RawConnection.open(proxy.port);
  await using second = await RawConnection.open(proxy.port);
  await first.call(["PING"]);
  await second.call(["PING"]);
  const config: Config = {
    deleteOnGet: false,
    deleteOnSet: false,
    destination: localServerConfig(redis),
    limits: { ...DEFAULT_CLIENT_LIMITS, maxClients: 2, idleTimeoutMs: 300 },
  };
  assert.ok((await proxy.reload(config)).changed.includes("limits"));
  assert.equal(await rawSession(proxy.port, ""), "-ERR max number of clients reached\r\n");
  await assert.rejects(first.read(1, 3000), /connection closed/, "idle clients closed");
  await assert.rejects(second.read(1, 3000), /connection closed/);
});

integrationTest("ProtoMaxBulkLen and MaxMultibulkLength give Redis's errors", async () => {
  await using redis = await RedisServer.start();
  await using proxy = proxyWith(redis, { protoMaxBulkLen: 1024 * 1024, maxMultibulkLength: 4 });
  assert.equal(
    await rawSession(proxy.port, "PING\r\n*1\r\n$1048577\r\nxx"),
    "+PONG\r\n-ERR Protocol error: invalid bulk length\r\n",
  );
  assert.equal(
    await rawSession(proxy.port, "*5\r\n$3\r\nDEL\r\n"),
    "-ERR Protocol error: invalid multibulk length\r\n",
  );
  await using ok = await RawConnection.open(proxy.port);
  assert.deepEqual(await ok.call(["DEL", "a", "b", "c"]), [":0\r\n"], "4 arguments pass");
  assert.equal(await limitCount(proxy, "bulk"), 1);
  assert.equal(await limitCount(proxy, "multibulk"), 1);
});

integrationTest("before AUTH, requests are held to Redis's unauthenticated limits", async () => {
  await using redis = await RedisServer.start();
  await using proxy = proxyWith(redis, {}, {}, "secret");
  assert.equal(
    await rawSession(proxy.port, "*11\r\n"),
    "-ERR Protocol error: unauthenticated multibulk length\r\n",
  );
  assert.equal(
    await rawSession(proxy.port, "*1\r\n$16385\r\n"),
    "-ERR Protocol error: unauthenticated bulk length\r\n",
  );
  // AUTH pipelined with a big request in the same write counts for it, as in Redis.
  const big = "x".repeat(20_000);
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: proxy.port });
  await conn.write(
    new Uint8Array([
      ...encodeCommand(["AUTH", "secret"]),
      ...encodeCommand(["SET", "k", big]),
      ...encodeCommand(["MSET", ..."abcdefghijkl".split("")]),
      ...encodeCommand(["QUIT"]),
    ]),
  );
  assert.equal(await readToClose(conn), "+OK\r\n+OK\r\n+OK\r\n+OK\r\n");
});

integrationTest(
  "a client that never reads is cut off at ClientOutputBufferLimit; others go on",
  async () => {
    await using redis = await RedisServer.start();
    await using proxy = proxyWith(redis, { clientOutputBufferLimit: 4 * 1024 * 1024 });
    await using setup = await RawConnection.open(proxy.port);
    await setup.call(["SET", "big", "v".repeat(256 * 1024)]);
    const greedy = await Deno.connect({ hostname: "127.0.0.1", port: proxy.port });
    // 400 GETs of 256 KiB: 100 MiB of replies for a client that never reads one.
    const many = encodeCommand(["GET", "big"]);
    const pipeline = new Uint8Array(many.length * 400);
    for (let i = 0; i < 400; i++) pipeline.set(many, i * many.length);
    await greedy.write(pipeline).catch(() => 0);
    await waitFor(async () => await limitCount(proxy, "output_buffer") === 1, {
      message: "the greedy client was never cut off",
    });
    await waitFor(() => proxy.server.clientCount === 1);
    assert.deepEqual(await setup.call(["STRLEN", "big"]), [":262144\r\n"]);
    greedy.close();
  },
);

integrationTest("Timeout closes idle clients, not blocked or subscribed ones", async () => {
  await using redis = await RedisServer.start();
  await using proxy = proxyWith(redis, { idleTimeoutMs: 500 });
  await using idle = await RawConnection.open(proxy.port);
  await using blocked = await RawConnection.open(proxy.port);
  await using subscriber = await RawConnection.open(proxy.port);
  await using busy = await RawConnection.open(proxy.port);
  await idle.call(["PING"]);
  await subscriber.call(["SUBSCRIBE", "ch"]);
  await blocked.send(["BLPOP", "list", "2"]);
  const started = Date.now();
  const trickler = await Deno.connect({ hostname: "127.0.0.1", port: proxy.port });
  // A command trickled a byte at a time is never complete: the client counts as idle.
  let trickling = true;
  const trickle = (async () => {
    for (const byte of encoder.encode("*2\r\n$4\r\nECHO\r\n$100\r\n" + "x".repeat(100))) {
      if (!trickling) return;
      await trickler.write(new Uint8Array([byte])).catch(() => (trickling = false));
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  })();
  // A client that sends a command every 100 ms is never idle for 500 ms.
  let pinging = true;
  const pinger = (async () => {
    while (pinging) {
      assert.deepEqual(await busy.call(["PING"]), ["+PONG\r\n"], "an active client stays");
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  })();
  await assert.rejects(idle.read(1, 3000), /connection closed/);
  assert.equal(await readToClose(trickler, 3000), "", "the trickling client was closed");
  trickling = false;
  await trickle;
  assert.deepEqual(await blocked.read(1, 3000), ["*-1\r\n"], "BLPOP ran to its own timeout");
  assert.ok(Date.now() - started >= 1900);
  pinging = false;
  await pinger;
  assert.deepEqual(
    await subscriber.call(["PING"]),
    ["*2\r\n$4\r\npong\r\n$0\r\n\r\n"],
    "a subscriber stays",
  );
  assert.ok(await limitCount(proxy, "idle_timeout") >= 2);
});

integrationTest(
  "CommandTimeout fails a command nobody answers and replaces the connection",
  async () => {
    await using silent = FakeServer.start();
    await using proxy = proxyWith(silent, {}, { commandTimeoutMs: 300 });
    await using client = await RawConnection.open(proxy.port);
    const started = Date.now();
    const [reply] = await client.call(["GET", "k"]);
    const took = Date.now() - started;
    assert.equal(reply, "-ERR upstream destination unavailable: no reply within 300ms\r\n");
    assert.ok(took >= 300 && took < 1500, `answered after ${took} ms`);
    await waitFor(() => silent.closedByPeer === 1, { message: "the stuck connection stays open" });
    await client.call(["GET", "k"]);
    assert.equal(silent.accepted, 2, "a new connection replaced the stuck one");
    assert.equal(await limitCount(proxy, "command_timeout"), 2);
  },
);

integrationTest("ConnectTimeout bounds a server that accepts and never logs us in", async () => {
  await using silent = FakeServer.start();
  await using proxy = proxyWith(silent, {}, { connectTimeoutMs: 300, password: "p" });
  await using client = await RawConnection.open(proxy.port);
  const started = Date.now();
  const [reply] = await client.call(["GET", "k"]);
  assert.match(reply, /^-ERR upstream destination unavailable: timed out \(127\.0\.0\.1:\d+\)/);
  assert.ok(Date.now() - started < 1500);
  assert.equal(await limitCount(proxy, "connect_timeout"), 1);
});
