import assert from "node:assert/strict";
import { ioredisClient } from "./_util/clients.ts";
import { integrationTest } from "./_util/integration.ts";
import { freePort, RedisServer, waitFor } from "./_util/redis.ts";
import { startRemiro, withConfigFile } from "./_util/remiro_cli.ts";
import { RawConnection } from "./_util/raw_connection.ts";

integrationTest(
  "SIGTERM under load: commands already sent complete, nothing else runs, exit code 0",
  async () => {
    await using redis = await RedisServer.start();
    await withConfigFile(`[Destination]\nAddr = "${redis.addr}"\n`, async (path) => {
      await using remiro = await startRemiro(path);
      const clients = Array.from({ length: 4 }, () => ioredisClient(remiro.port));
      await using idle = ioredisClient(remiro.port);
      assert.equal(await idle.ping(), "PONG");
      let acked = 0;
      let failed = 0;
      const loops = clients.map(async (client) => {
        while (true) {
          const pipeline = client.pipeline();
          for (let i = 0; i < 50; i++) pipeline.incr("counter");
          const results = (await pipeline.exec().catch(() => null)) ?? [];
          for (const [error] of results) error ? failed++ : acked++;
          if (results.length === 0 || results.some(([error]) => error)) return;
        }
      });
      await waitFor(() => acked > 5000, { timeoutMs: 20_000, message: "no load" });
      remiro.signal("SIGTERM");
      assert.equal(await remiro.exited(), 0);
      await Promise.all(loops);
      for (const client of clients) client.disconnect();
      assert.ok(failed > 0, "clients still sending saw their connection close");
      await using direct = ioredisClient(redis.port);
      assert.equal(
        Number(await direct.get("counter")),
        acked,
        "every INCR that ran was answered, and none ran unanswered",
      );
      assert.equal(idle.status === "end" || idle.status === "close", true, "idle client closed");
      assert.match(remiro.stderr(), /INFO remiro stopped clientsCutOff=0/);
    });
  },
);

integrationTest(
  "SIGTERM: a client blocked in BLPOP is cut off at ShutdownTimeout and the exit is still 0",
  async () => {
    await using redis = await RedisServer.start();
    const config = `ShutdownTimeout = "500ms"\n[Destination]\nAddr = "${redis.addr}"\n`;
    await withConfigFile(config, async (path) => {
      await using remiro = await startRemiro(path);
      await using blocked = await RawConnection.open(remiro.port);
      await blocked.send(["BLPOP", "never", "0"]);
      await waitFor(async () => {
        await using direct = ioredisClient(redis.port);
        return /cmd=blpop/.test(String(await direct.client("LIST")));
      }, { message: "BLPOP never reached redis" });
      const started = performance.now();
      remiro.signal("SIGTERM");
      assert.equal(await remiro.exited(), 0);
      const took = performance.now() - started;
      assert.ok(took >= 450, `waited for the deadline (${took.toFixed(0)} ms)`);
      assert.match(remiro.stderr(), /INFO remiro stopped clientsCutOff=1/);
    });
  },
);

integrationTest(
  "ReusePort: a second instance takes over the port, the first drains and exits 0",
  async () => {
    await using redis = await RedisServer.start();
    const config = `ReusePort = true\n[Destination]\nAddr = "${redis.addr}"\n`;
    await withConfigFile(config, async (path) => {
      const port = freePort();
      await using old = await startRemiro(path, [], port);
      await using client = ioredisClient(port);
      assert.equal(await client.set("k", "old"), "OK");
      await using next = await startRemiro(path, [], port);
      assert.equal(next.port, port);
      old.signal("SIGTERM");
      assert.equal(await old.exited(), 0);
      for (let i = 0; i < 20; i++) {
        await using fresh = ioredisClient(port);
        assert.equal(await fresh.get("k"), "old");
      }
      next.signal("SIGTERM");
      assert.equal(await next.exited(), 0);
    });
  },
);
