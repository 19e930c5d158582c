import assert from "node:assert/strict";
import type { Redis } from "ioredis";
import { ioredisClient } from "./_util/clients.ts";
import { integrationTest } from "./_util/integration.ts";
import { RedisServer, waitFor } from "./_util/redis.ts";
import { startRemiro, withConfigFile } from "./_util/remiro_cli.ts";
import { Migration } from "./_util/proxy.ts";

/** Clients sending pipelined INCRs until stopped, counting the replies they got. */
function incrLoad(clients: Redis[], key: string) {
  let acked = 0;
  let stopped = false;
  const errors: string[] = [];
  const loops = clients.map(async (client) => {
    while (!stopped) {
      const pipeline = client.pipeline();
      for (let i = 0; i < 20; i++) pipeline.incr(key);
      const results = (await pipeline.exec()) ?? [];
      for (const [error] of results) {
        if (error) errors.push(error.message);
        else acked++;
      }
      if (errors.length > 0) return;
    }
  });
  return {
    get acked() {
      return acked;
    },
    errors,
    async stop() {
      stopped = true;
      await Promise.all(loops);
    },
  };
}

async function counter(server: RedisServer, key: string): Promise<number> {
  await using client = ioredisClient(server.port);
  return Number(await client.get(key) ?? 0);
}

function metric(text: string, pattern: RegExp): number {
  return Number(text.match(pattern)?.[1] ?? NaN);
}

integrationTest(
  "SIGHUP moves the proxy to a new destination under load: no command lost, none applied twice",
  async () => {
    await using first = await RedisServer.start();
    await using second = await RedisServer.start();
    const config = (server: RedisServer) => `[Destination]\nAddr = "${server.addr}"\n`;
    await withConfigFile(config(first), async (path) => {
      await using remiro = await startRemiro(path);
      const clients = Array.from({ length: 4 }, () => ioredisClient(remiro.port));
      try {
        const load = incrLoad(clients, "counter");
        await waitFor(() => load.acked > 2000, { timeoutMs: 20_000, message: "no load" });
        await Deno.writeTextFile(path, config(second));
        remiro.signal("SIGHUP");
        await waitFor(async () => await counter(second, "counter") > 2000, {
          timeoutMs: 20_000,
          message: "commands never reached the new destination",
        });
        await load.stop();
        assert.deepEqual(load.errors, []);
        const total = await counter(first, "counter") + await counter(second, "counter");
        assert.equal(total, load.acked, "every acknowledged INCR applied exactly once");
        assert.match(remiro.stderr(), /INFO config reloaded changed=upstreams/);
        const metrics = await (await fetch(`http://127.0.0.1:${remiro.instru}/metrics`)).text();
        assert.equal(metric(metrics, /remiro_config_reloads_total\{result="applied"\} (\d+)/), 1);
        const health = await (await fetch(`http://127.0.0.1:${remiro.instru}/health`)).json();
        assert.deepEqual(health, { destinationRedis: { status: "OK" } });
      } finally {
        for (const client of clients) client.disconnect();
      }
      remiro.signal("SIGTERM");
      assert.equal(await remiro.exited(), 0);
    });
  },
);

integrationTest(
  "reload: an invalid config is refused with its reason, POST /admin/reload needs the token",
  async () => {
    await using redis = await RedisServer.start();
    const base = `AdminToken = "s3cret-token"\n[Destination]\nAddr = "${redis.addr}"\n`;
    await withConfigFile(base, async (path) => {
      await using remiro = await startRemiro(path);
      const reload = (token?: string) =>
        fetch(`http://127.0.0.1:${remiro.instru}/admin/reload`, {
          method: "POST",
          headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
        });
      await using before = ioredisClient(remiro.port);
      assert.equal(await before.set("k", "v"), "OK");

      await Deno.writeTextFile(path, `${base}Bogus = 1\n`);
      remiro.signal("SIGHUP");
      await waitFor(() => remiro.stderr().includes("config reload rejected"), {
        message: "the bad config was not reported",
      });
      assert.match(remiro.stderr(), /ERROR config reload rejected.*unknown key \\?"Bogus\\?"/);
      assert.equal(await before.get("k"), "v", "the old config still serves");

      const refused = await reload();
      assert.equal(refused.status, 401);
      await refused.body?.cancel();
      const wrong = await reload("guess");
      assert.equal(wrong.status, 401);
      await wrong.body?.cancel();
      const rejected = await reload("s3cret-token");
      assert.equal(rejected.status, 400);
      assert.match((await rejected.json()).error, /unknown key "Bogus"/);

      await Deno.writeTextFile(path, `Password = "client-pass"\n${base}`);
      const applied = await reload("s3cret-token");
      assert.equal(applied.status, 200);
      assert.deepEqual(await applied.json(), { changed: ["Password"], needRestart: [] });
      assert.equal(await before.get("k"), "v", "a connected client stays logged in");
      await using stranger = ioredisClient(remiro.port);
      await assert.rejects(stranger.get("k"), /NOAUTH/);
      await using member = ioredisClient(remiro.port, { password: "client-pass" });
      assert.equal(await member.get("k"), "v");

      // Without a token the endpoint does not exist.
      await Deno.writeTextFile(path, `[Destination]\nAddr = "${redis.addr}"\n`);
      const last = await reload("s3cret-token");
      assert.equal(last.status, 200);
      await last.body?.cancel();
      const gone = await reload("s3cret-token");
      assert.equal(gone.status, 404);
      await gone.body?.cancel();
      assert.ok(!remiro.stderr().includes("s3cret-token"), "the token is never logged");
      assert.ok(!remiro.stderr().includes("client-pass"), "passwords are never logged");
    });
  },
);

integrationTest(
  "migration: routers replaced under reads and deletes copy every key once and resurrect none",
  async () => {
    await using m = await Migration.start();
    await using source = m.sourceClient();
    const keys = 3000;
    const fill = source.pipeline();
    for (let i = 0; i < keys; i++) fill.set(`k:${i}`, `v${i}`);
    await fill.exec();
    const clients = Array.from({ length: 4 }, () => m.client());
    try {
      // Readers copy keys over; a deleter removes every third key; meanwhile the router is
      // replaced again and again (DeleteOnGet flips, which needs a new router).
      const deleted = new Set<number>();
      const work = clients.map(async (client, n) => {
        for (let i = n; i < keys; i += clients.length) {
          if (i % 3 === 0) {
            assert.equal(await client.del(`k:${i}`), 1);
            deleted.add(i);
            assert.equal(await client.get(`k:${i}`), null, "a deleted key stays deleted");
          } else {
            assert.equal(await client.get(`k:${i}`), `v${i}`);
          }
        }
      });
      let reloads = 0;
      let finished = false;
      const reloading = (async () => {
        while (!finished) {
          reloads++;
          await m.proxy.reload({ ...m.config, deleteOnGet: reloads % 2 === 1 });
          // A reload that finds nothing in flight completes without touching the event loop.
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
      })();
      try {
        await Promise.all(work);
      } finally {
        finished = true;
        await reloading;
      }
      assert.ok(reloads >= 3, `the router was replaced ${reloads} times`);
      await using destination = m.destinationClient();
      for (let i = 0; i < keys; i++) {
        const value = await destination.get(`k:${i}`);
        assert.equal(value, deleted.has(i) ? null : `v${i}`, `k:${i} on the destination`);
      }
    } finally {
      for (const client of clients) client.disconnect();
    }
  },
);
