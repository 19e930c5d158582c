import assert from "node:assert/strict";
import { localServerConfig, startProxy } from "../lib/cli/mod.ts";
import type { Config } from "../lib/config/mod.ts";
import { ioredisClient as client } from "./_util/clients.ts";
import { integrationTest } from "./_util/integration.ts";
import { RedisServer } from "./_util/redis.ts";
import { verify } from "./_util/sync.ts";

integrationTest(
  "migration sweeper moves 50k keys while clients read and write, and verify ends clean",
  async () => {
    await using source = await RedisServer.start({ args: ["--enable-debug-command", "yes"] });
    await using destination = await RedisServer.start({ args: ["--enable-debug-command", "yes"] });
    await using seed = client(source.port);
    await seed.call("DEBUG", "POPULATE", 50_000, "key", 16);
    await seed.set("skip:me", "not matched");
    const config: Config = {
      deleteOnGet: false,
      // Writes through the proxy delete the source copy: the source never keeps a stale value.
      deleteOnSet: true,
      source: localServerConfig(source),
      destination: localServerConfig(destination),
      migration: { sweep: true, match: "key:*", rate: 100_000 },
    };
    await using proxy = startProxy(config, { host: "127.0.0.1", port: 0, instruPort: 0 });
    await using app = client(proxy.port);
    let created = 0;
    for (let i = 0; !proxy.sweeper!.progress.done; i++) {
      const read = await app.get(`key:${(i * 7919) % 50_000}`);
      assert.match(read ?? "", /^(value:\d+\0*|rewritten \d+)$/);
      await app.set(`key:${(i * 104_729) % 50_000}`, `rewritten ${i}`);
      await app.set(`new:${i}`, i);
      created++;
      if (i > 200_000) throw new Error("the sweeper did not finish");
    }
    const { progress } = proxy.sweeper!;
    assert.equal(progress.errors, 0);
    // Each iteration's SET may have deleted one source key before the scan reached it.
    assert.ok(progress.scanned >= 50_000 - created, `scanned ${progress.scanned}`);
    await using dest = client(destination.port);
    assert.equal(
      await dest.dbsize(),
      50_000 + created,
      "every key:* moved, plus what clients created",
    );
    assert.equal(await dest.exists("skip:me"), 0, "keys outside Match stay behind");
    // What is left on the source equals the destination; rewritten keys left the source.
    await seed.del("skip:me");
    const report = await verify(source, destination);
    assert.deepEqual([report.value, report.onlySource, report.ttl], [0, 0, 0]);
    const metrics = await (await fetch(`http://127.0.0.1:${proxy.instruPort}/metrics`)).text();
    assert.match(metrics, /remiro_migration_sweep_done 1/);
    const status = await (await fetch(`http://127.0.0.1:${proxy.instruPort}/admin/migration`))
      .json();
    assert.deepEqual([status.done, status.errors, status.moved], [true, 0, progress.moved]);
  },
);
