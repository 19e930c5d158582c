import assert from "node:assert/strict";
import { localServerConfig, startProxy } from "../lib/cli/mod.ts";
import type { Config } from "../lib/config/mod.ts";
import { Logger } from "../lib/log/mod.ts";
import { ioredisClient } from "./_util/clients.ts";
import { integrationTest } from "./_util/integration.ts";
import { RawConnection } from "./_util/raw_connection.ts";
import { startSentinel } from "./_util/sentinel.ts";
import { freePort, RedisServer, waitFor } from "./_util/redis.ts";
import {
  commandCalls,
  replicationInfo,
  startReplicated,
  waitForReplica,
} from "./_util/replicas.ts";

const CHECK_MS = 100;
const DOWN_AFTER_MS = 500;

function groupConfig(servers: RedisServer[], readFrom: "master" | "replicas" = "master"): Config {
  const first = localServerConfig(servers[0]);
  return {
    deleteOnGet: false,
    deleteOnSet: false,
    destination: {
      ...first,
      addrText: servers.map((s) => s.addr).join(","),
      group: {
        mode: "failover",
        members: servers.map((s) => ({ addr: localServerConfig(s).addr, addrText: s.addr })),
        sentinels: [],
        readFrom,
        checkIntervalMs: CHECK_MS,
        downAfterMs: DOWN_AFTER_MS,
        maxReplicaLagBytes: 1024 * 1024,
      },
    },
  };
}

integrationTest(
  "failover: kill -9 the master under writes; a replica takes over, the old master rejoins as its replica",
  async () => {
    await using group = await startReplicated(2);
    const { master, replicas } = group;
    const lines: string[] = [];
    const log = new Logger({ write: (line) => lines.push(line) });
    await using proxy = startProxy(groupConfig([master, ...replicas]), {
      host: "127.0.0.1",
      port: 0,
      instruPort: 0,
      log,
    });
    const clients = Array.from({ length: 4 }, () => ioredisClient(proxy.port));
    const acked: { key: string; at: number }[] = [];
    let errors = 0;
    let stopped = false;
    const writers = clients.map(async (client, n) => {
      for (let i = 0; !stopped; i++) {
        const key = `w:${n}:${i}`;
        try {
          await client.set(key, String(i));
          acked.push({ key, at: performance.now() });
        } catch {
          errors++;
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      }
    });
    try {
      await waitFor(() => acked.length > 500, { timeoutMs: 10_000, message: "no writes" });
      await master.kill();
      // From here on no write can reach the old master: the next acknowledged one went to a
      // promoted replica.
      const killedAt = performance.now();
      await waitFor(() => acked.some((a) => a.at > killedAt), {
        timeoutMs: 15_000,
        message: "no write succeeded after the master was killed",
      });
      const firstWrite = acked.find((a) => a.at > killedAt)!.at - killedAt;
      const afterFailover = acked.length;
      await waitFor(() => acked.length > afterFailover + 500, { timeoutMs: 10_000 });
      stopped = true;
      await Promise.all(writers);

      const roles = await Promise.all(replicas.map(replicationInfo));
      const promoted = replicas[roles.findIndex((info) => info.get("role") === "master")];
      assert.ok(promoted, "a replica was promoted");
      const other = replicas.find((r) => r !== promoted)!;
      await waitForReplica(other, promoted);
      await using direct = ioredisClient(promoted.port);
      const present = await direct.exists(...acked.map((a) => a.key));
      const lost = acked.length - present;
      const lostAfter = acked.filter((a) => a.at > killedAt).length -
        await direct.exists(...acked.filter((a) => a.at > killedAt).map((a) => a.key));
      assert.equal(lostAfter, 0, "no write acknowledged by the new master is lost");
      console.log(
        `failover: first write ${
          firstWrite.toFixed(0)
        } ms after kill -9 (DownAfter ${DOWN_AFTER_MS} ms, ` +
          `CheckInterval ${CHECK_MS} ms); ${errors} client errors; ${lost} of ${acked.length} acknowledged writes lost`,
      );
      assert.ok(lines.some((l) => /WARN master down, failing over/.test(l)), lines.join("\n"));
      const health = await (await fetch(`http://127.0.0.1:${proxy.instruPort}/health`)).json();
      assert.equal(health.destinationRedis.status, "OK");
      assert.equal(health[`destinationRedis ${promoted.addr} (master)`].status, "OK");
      assert.equal(health[`destinationRedis ${master.addr}`].status, "Error");

      const status = await (await fetch(`http://127.0.0.1:${proxy.instruPort}/admin/status`))
        .json();
      const members = status.upstreams[0].members;
      assert.deepEqual(
        members.map((
          m: { name: string; address: string; status: string },
        ) => [m.name, m.address, m.status]),
        [
          ["destination", master.addr, "Error"],
          ...replicas.map((r) => [
            r === promoted ? "destination (master)" : "destination",
            r.addr,
            "OK",
          ]),
        ],
      );
      // The old master comes back (empty, as after a crash): it must become a replica.
      await master.restart();
      await waitForReplica(master, promoted);
      await waitFor(async () => {
        await using old = ioredisClient(master.port);
        return await old.dbsize() === await direct.dbsize();
      }, { timeoutMs: 15_000, message: "the old master did not resync" });
      const metrics = await (await fetch(`http://127.0.0.1:${proxy.instruPort}/metrics`)).text();
      assert.match(metrics, /remiro_upstream_failovers_total\{group="destination"\} 1/);
      assert.match(
        metrics,
        new RegExp(`remiro_upstream_master\\{group="destination",address="${promoted.addr}"\\} 1`),
      );
    } finally {
      stopped = true;
      for (const client of clients) client.disconnect();
    }
  },
);

integrationTest(
  "read/write split: reads go round-robin to replicas, writes and reads after WAIT to the master",
  async () => {
    await using group = await startReplicated(2);
    const { master, replicas } = group;
    await using proxy = startProxy(groupConfig([master, ...replicas], "replicas"), {
      host: "127.0.0.1",
      port: 0,
    });
    await using client = ioredisClient(proxy.port);
    for (let i = 0; i < 100; i++) assert.equal(await client.set(`k:${i}`, `v${i}`), "OK");
    await using direct = ioredisClient(master.port);
    // WAIT covers only its own client's writes: one after the proxy's, replicated in order.
    await direct.incr("barrier");
    assert.equal(await direct.wait(2, 5000), 2);
    const before = await Promise.all([master, ...replicas].map((s) => commandCalls(s, "get")));
    for (let i = 0; i < 300; i++) assert.equal(await client.get(`k:${i % 100}`), `v${i % 100}`);
    const after = await Promise.all([master, ...replicas].map((s) => commandCalls(s, "get")));
    const gets = after.map((n, i) => n - before[i]);
    assert.equal(gets[0], 0, "no read reached the master");
    assert.equal(gets[1] + gets[2], 300);
    assert.ok(gets[1] >= 100 && gets[2] >= 100, `both replicas read: ${gets}`);
    assert.equal(await commandCalls(master, "set"), 100, "every write went to the master");
    // WAIT: the client wants to read its own writes, so its reads stay on the master.
    assert.equal(await client.call("WAIT", "2", "1000"), 2);
    assert.equal(await client.get("k:1"), "v1");
    assert.equal(await commandCalls(master, "get"), 1);
  },
);

integrationTest(
  "failover group: no member answers at start, commands get a clear error, then it recovers",
  async () => {
    const port = freePort();
    const member = { hostname: "127.0.0.1", port };
    const absent = { port, hostname: "127.0.0.1", addr: `127.0.0.1:${port}` } as RedisServer;
    await using proxy = startProxy(groupConfig([absent]), { host: "127.0.0.1", port: 0 });
    await using client = ioredisClient(proxy.port);
    await assert.rejects(
      client.get("k"),
      /upstream destination unavailable: no master in the failover group/,
    );
    await using late = await RedisServer.start({ port });
    assert.deepEqual(member, { hostname: late.hostname, port: late.port });
    await waitFor(async () => {
      try {
        return await client.set("k", "v") === "OK";
      } catch {
        return false;
      }
    }, { timeoutMs: 10_000, message: "the proxy never found the master" });
    assert.equal(await client.get("k"), "v");
  },
);

integrationTest(
  "sentinel mode: the proxy follows Redis Sentinel's failover and never reconfigures servers",
  async () => {
    await using group = await startReplicated(1);
    const { master, replicas: [replica] } = group;
    await using sentinel = await startSentinel(master, "mymaster", { password: "s3cret" });
    const config = groupConfig([master]);
    config.destination.group = {
      ...config.destination.group!,
      mode: "sentinel",
      members: [],
      sentinels: [{
        addr: { hostname: "127.0.0.1", port: sentinel.port },
        addrText: sentinel.addr,
      }],
      masterName: "mymaster",
      sentinelPassword: "s3cret",
    };
    await using proxy = startProxy(config, { host: "127.0.0.1", port: 0, instruPort: 0 });
    await using client = ioredisClient(proxy.port);
    assert.equal(await client.set("before", "1"), "OK");
    await using onMaster = ioredisClient(master.port);
    assert.equal(await onMaster.get("before"), "1", "the sentinels' master took the write");
    // Through the proxy, WAIT covers the proxied write: the replica has it before the kill.
    assert.equal(await client.call("WAIT", "1", "5000"), 1);
    await master.kill();
    await waitFor(async () => {
      try {
        return await client.set("after", "2") === "OK";
      } catch {
        return false;
      }
    }, { timeoutMs: 30_000, message: `no write after Sentinel's failover\n${sentinel.output()}` });
    await using onReplica = ioredisClient(replica.port);
    assert.equal(await onReplica.get("after"), "2", "the promoted replica took the write");
    assert.equal(await onReplica.get("before"), "1");
    const metrics = await (await fetch(`http://127.0.0.1:${proxy.instruPort}/metrics`)).text();
    assert.match(metrics, /remiro_upstream_failovers_total\{group="destination"\} 1/);
  },
);

integrationTest(
  "failover: a client keeps its db and name, an open transaction gets an error and its retry commits, a subscriber is disconnected",
  async () => {
    await using group = await startReplicated(1);
    const { master, replicas: [replica] } = group;
    await using proxy = startProxy(groupConfig([master, replica]), { host: "127.0.0.1", port: 0 });
    await using client = await RawConnection.open(proxy.port);
    assert.deepEqual(
      await client.call(["SELECT", "5"], ["CLIENT", "SETNAME", "app1"], ["SET", "a", "1"]),
      ["+OK\r\n", "+OK\r\n", "+OK\r\n"],
    );
    assert.deepEqual(await client.call(["MULTI"], ["SET", "t", "1"]), ["+OK\r\n", "+QUEUED\r\n"]);
    await using subscriber = await RawConnection.open(proxy.port);
    assert.match((await subscriber.call(["SUBSCRIBE", "news"]))[0], /subscribe/);
    await using onMaster = ioredisClient(master.port);
    await onMaster.wait(1, 5000);

    await master.kill();
    const [exec] = await client.call(["EXEC"]);
    assert.match(exec, /^-/, "EXEC on the dead master is an error, never a silent success");
    await assert.rejects(subscriber.read(1, 10_000), /connection closed/);

    await waitFor(async () => (await client.call(["SET", "b", "2"]))[0] === "+OK\r\n", {
      timeoutMs: 10_000,
      message: "no write after the failover",
    });
    assert.deepEqual(await client.call(["CLIENT", "GETNAME"], ["GET", "a"]), [
      "$4\r\napp1\r\n",
      "$1\r\n1\r\n",
    ]);
    assert.deepEqual(
      await client.call(["MULTI"], ["SET", "t", "1"], ["EXEC"]),
      ["+OK\r\n", "+QUEUED\r\n", "*1\r\n+OK\r\n"],
    );
    await using onReplica = ioredisClient(replica.port, { db: 5 });
    assert.deepEqual(await onReplica.mget("a", "b", "t"), ["1", "2", "1"]);
    await using db0 = ioredisClient(replica.port);
    assert.equal(await db0.dbsize(), 0, "nothing landed in db 0");
  },
);

integrationTest(
  "WAIT through the proxy waits for the client's own writes and holds up no other client",
  async () => {
    await using group = await startReplicated(1);
    const { master, replicas: [replica] } = group;
    for (
      const config of [{
        deleteOnGet: false,
        deleteOnSet: false,
        destination: localServerConfig(master),
      }, groupConfig([master, replica])]
    ) {
      await using proxy = startProxy(config, { host: "127.0.0.1", port: 0 });
      await using client = await RawConnection.open(proxy.port);
      await using other = await RawConnection.open(proxy.port);
      // A pooled connection that has written nothing would make WAIT answer at once.
      assert.deepEqual(await client.call(["WAIT", "1", "1000"]), [":1\r\n"]);
      replica.signal("SIGSTOP");
      try {
        const started = performance.now();
        assert.deepEqual(await client.call(["SET", "k", "v"], ["WAIT", "1", "300"]), [
          "+OK\r\n",
          ":0\r\n",
        ]);
        assert.ok(performance.now() - started >= 250, "WAIT waited for the frozen replica");
        // A waiting client holds no connection that other clients' commands queue on.
        await client.send(["WAIT", "1", "2000"]);
        const before = performance.now();
        assert.deepEqual(await other.call(["GET", "k"]), ["$1\r\nv\r\n"]);
        assert.ok(performance.now() - before < 1000, "GET did not wait behind WAIT");
        assert.deepEqual(await client.read(1), [":0\r\n"]);
      } finally {
        replica.signal("SIGCONT");
      }
      assert.deepEqual(await client.call(["WAIT", "1", "5000"]), [":1\r\n"]);
    }
  },
);
