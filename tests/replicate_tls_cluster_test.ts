import assert from "node:assert/strict";
import { ioredisClient as client } from "./_util/clients.ts";
import { integrationTest } from "./_util/integration.ts";
import { freePort, RedisServer } from "./_util/redis.ts";
import { fixtureRdb } from "./_util/rdb_files.ts";
import { runRemiro } from "./_util/remiro_cli.ts";
import { replicator, verify } from "./_util/sync.ts";
import { startCluster } from "./_util/cluster.ts";

// replicate and verify across TLS, Redis versions and Redis Cluster.

const DEBUG = ["--enable-debug-command", "yes"];
const FAR = 4102444800000;

const TLS = new URL("./fixtures/tls/", import.meta.url).pathname;

integrationTest(
  "replicate and verify over mutual TLS (rediss://, --cacert, --cert, --key), by SCAN and by replication",
  async () => {
    const tlsPort = freePort();
    await using source = await RedisServer.start({
      args: [
        ...DEBUG,
        ...["--tls-port", String(tlsPort), "--tls-auth-clients", "yes"],
        ...["--tls-cert-file", `${TLS}server.crt`, "--tls-key-file", `${TLS}server.key`],
        ...["--tls-ca-cert-file", `${TLS}ca.crt`, "--tls-replication", "yes"],
        ...["--repl-diskless-sync-delay", "0"],
      ],
    });
    await using redis = client(source.port);
    await redis.call("DEBUG", "POPULATE", 2000, "key", 8);
    await redis.hset("h", "f", "v");
    for (const via of ["scan", "replication"]) {
      await using target = await RedisServer.start({ args: DEBUG });
      const uris = [
        "--source",
        `rediss://127.0.0.1:${tlsPort}`,
        "--target",
        `redis://127.0.0.1:${target.port}`,
      ];
      // The server requires a client certificate (mutual TLS).
      const tls = [
        "--cacert",
        `${TLS}ca.crt`,
        "--cert",
        `${TLS}client.crt`,
        "--key",
        `${TLS}client.key`,
      ];
      const copied = await runRemiro(["replicate", ...uris, ...tls, "--snapshot-via", via]);
      assert.equal(copied.code, 0, copied.stderr);
      assert.equal(copied.stdout.trim(), "OK:2001 V:0 >:0 <:0 T:0");
      const untrusted = await runRemiro([
        "verify",
        ...uris,
        "--cert",
        `${TLS}client.crt`,
        "--key",
        `${TLS}client.key`,
      ]);
      assert.equal(untrusted.code, 3, "a certificate not signed by a trusted CA is refused");
      const noClientCertificate = await runRemiro(["verify", ...uris, "--cacert", `${TLS}ca.crt`]);
      assert.equal(noClientCertificate.code, 3, "the server requires a client certificate");
      const sample = await runRemiro(["verify", ...uris, ...tls, "--sample", "100"]);
      assert.equal(sample.code, 0, sample.stderr);
      assert.match(sample.stdout.trim(), /^OK:\d+ V:0 >:0 <:0 T:0$/);
    }
  },
);

// Redis 6.2 is not packaged here; with REMIRO_REDIS_6_2 naming a 6.2 redis-server, a 7.0 source
// is copied into a 6.2 target, which cannot RESTORE 7.0's DUMP format: keys go type by type.
const redis62 = Deno.env.get("REMIRO_REDIS_6_2");
Deno.test({
  name: "replicate: a target too old for the source's DUMP format gets keys type by type",
  ignore: !redis62,
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    await using source = await RedisServer.start({ rdb: await fixtureRdb("7.0.15"), args: DEBUG });
    await using target = await RedisServer.start({ binary: redis62 });
    using run = await replicator(source, target);
    await run.run(new Promise(() => {}));
    assert.ok(run.stats.chunked > 20, `chunked ${run.stats.chunked}`);
    const report = await verify(source, target);
    // Stream consumer groups are not carried by a type-by-type copy: only that key may differ.
    assert.deepEqual(report.diffs.map((d) => d.key), report.value ? ["stream:events"] : []);
    assert.equal(report.onlySource + report.onlyTarget + report.ttl, 0);
  },
});

integrationTest(
  "replicate and verify into and out of a Redis Cluster, routed by key slot",
  async () => {
    await using cluster = await startCluster();
    await using single = await RedisServer.start({ args: DEBUG });
    await using redis = client(single.port);
    await redis.call("DEBUG", "POPULATE", 3000, "key", 8);
    await redis.hset("{user:1}:profile", "name", "ann");
    await redis.rpush("{user:1}:events", "a", "b");
    await redis.set("expiring", "1", "PXAT", FAR);
    const seed = `redis://127.0.0.1:${cluster.nodes[0].port}`;
    const plain = `redis://127.0.0.1:${single.port}`;
    const into = await runRemiro([
      "replicate",
      "--source",
      plain,
      "--target",
      seed,
      "--target-cluster",
    ]);
    assert.equal(into.code, 0, into.stderr);
    assert.equal(into.stdout.trim(), "OK:3003 V:0 >:0 <:0 T:0");
    // Every master holds part of the keys.
    for (const node of cluster.nodes) {
      await using c = client(node.port);
      assert.ok((await c.dbsize()) > 500, `node ${node.port} has its share`);
    }
    await using back = await RedisServer.start({ args: DEBUG });
    const out = await runRemiro([
      "replicate",
      "--source",
      seed,
      "--source-cluster",
      "--target",
      `redis://127.0.0.1:${back.port}`,
    ]);
    assert.equal(out.code, 0, out.stderr);
    assert.equal(out.stdout.trim(), "OK:3003 V:0 >:0 <:0 T:0");
    await redis.set("key:1", "changed");
    const diff = await runRemiro([
      "verify",
      "--source",
      plain,
      "--target",
      seed,
      "--target-cluster",
    ]);
    assert.equal(diff.code, 1);
    assert.equal(diff.stdout.trim(), "OK:3002 V:1 >:0 <:0 T:0");
  },
);
